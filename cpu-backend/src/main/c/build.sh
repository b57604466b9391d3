#!/bin/sh
# Builds the native kernel variants into $1 (a resource folder). Run by the Maven build; never fails
# it: without gcc, or on a machine it cannot target, the variants are just missing and the Java
# kernels are used. Usage: build.sh OUTPUT_DIR
out="$1/jinfer-native/linux-x86_64"
src="$(dirname "$0")/jinfer_cpu.c"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "jinfer native kernels: not built (only linux-x86_64 variants exist, this is $(uname -s)-$(uname -m))"
    exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
    echo "jinfer native kernels: not built (no gcc on the PATH)"
    exit 0
fi
mkdir -p "$out" || exit 0
common="-O3 -shared -fPIC -pthread -ffp-contract=off -fno-math-errno -Wall"
build() {
    name="$1"; shift
    if gcc $common "$@" -o "$out/libjinfer_cpu_$name.so" "$src"; then
        echo "jinfer native kernels: built $name"
    else
        rm -f "$out/libjinfer_cpu_$name.so"
        echo "jinfer native kernels: $name not built (gcc failed)"
    fi
}
build avx2 -mavx2 -mfma -mf16c
build avx512vnni -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -DJINFER_VNNI
build avx512amx -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mamx-tile -mamx-int8 \
    -DJINFER_VNNI -DJINFER_AMX
exit 0
