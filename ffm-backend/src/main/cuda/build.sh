#!/bin/sh
# Builds the CUDA kernels and the host library of their numerics into $1 (a resource folder). Run by
# the Maven build; never fails it. Without nvcc the kernel image is missing and the backend says that
# its kernels were not built; without gcc the host library (used by the numerics tests) is missing
# and those tests skip. Usage: build.sh OUTPUT_DIR
here="$(dirname "$0")"
out="$1/jinfer-cuda"
mkdir -p "$out/linux-x86_64" || exit 0
info="$out/build-info.properties"
: > "$info"

if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && command -v gcc >/dev/null 2>&1; then
    if gcc -O2 -shared -fPIC -ffp-contract=off -Wall -o "$out/linux-x86_64/libjinfer_cuda_host.so" "$here/jinfer_host.c"; then
        echo "jinfer CUDA numerics: host library built"
        echo "host=built" >> "$info"
    else
        echo "jinfer CUDA numerics: host library not built (gcc failed)"
        echo "host=gcc failed" >> "$info"
    fi
else
    echo "jinfer CUDA numerics: host library not built (needs gcc on linux-x86_64)"
    echo "host=no gcc on linux-x86_64" >> "$info"
fi

if ! command -v nvcc >/dev/null 2>&1; then
    echo "jinfer CUDA kernels: not built (no nvcc on the PATH)"
    echo "kernels=no nvcc on the PATH when jinfer was built" >> "$info"
    exit 0
fi
tmp="$(mktemp -d)" || exit 0
ok=1
# ptxas checks the PTX for each target first, so a kernel that only one architecture rejects is named.
if nvcc -ptx -O3 -arch=compute_90 -o "$tmp/jinfer_kernels.ptx" "$here/jinfer_kernels.cu"; then
    for sm in sm_90 sm_100a; do
        if ! ptxas -arch=$sm -O3 -o "$tmp/check_$sm.cubin" "$tmp/jinfer_kernels.ptx"; then
            echo "jinfer CUDA kernels: ptxas rejected the PTX for $sm"
            ok=0
        fi
    done
else
    ok=0
fi
if [ $ok = 1 ] && nvcc -fatbin -O3 \
        -gencode arch=compute_90,code=sm_90 \
        -gencode arch=compute_100a,code=sm_100a \
        -gencode arch=compute_90,code=compute_90 \
        -o "$out/jinfer_kernels.fatbin" "$here/jinfer_kernels.cu"; then
    echo "jinfer CUDA kernels: built for sm_90, sm_100a (+ compute_90 PTX)"
    echo "kernels=built sm_90 sm_100a compute_90" >> "$info"
    echo "nvcc=$(nvcc --version | tail -1)" >> "$info"
else
    rm -f "$out/jinfer_kernels.fatbin"
    echo "jinfer CUDA kernels: not built (nvcc or ptxas failed)"
    echo "kernels=nvcc or ptxas failed at build time" >> "$info"
fi
rm -rf "$tmp"
exit 0
