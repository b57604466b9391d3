package io.jinfer.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * A shared library loaded on first use from one of several file names. Loading never happens at class
 * initialisation, so a machine without the library pays nothing until something asks for it, and the
 * failure names the library and every name that was tried.
 */
final class NativeLibrary {

    private final String what;
    private final List<String> names;
    private SymbolLookup lookup;
    private String failure;
    private String loadedName;

    NativeLibrary(String what, List<String> names) {
        this.what = what;
        this.names = List.copyOf(names);
    }

    /**
     * Returns why the library cannot be loaded, or null when it can.
     *
     * @return the reason, naming the library, or null
     */
    synchronized String unavailableReason() {
        load();
        return failure;
    }

    /**
     * Returns the file name that loaded, or null when none did.
     *
     * @return the library file name
     */
    synchronized String loadedName() {
        load();
        return loadedName;
    }

    /**
     * Binds a function of the library.
     *
     * @param symbol the C function name
     * @param descriptor its signature
     * @return a method handle
     * @throws CudaUnavailableException when the library or the symbol is missing
     */
    synchronized MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        load();
        if (lookup == null) {
            throw new CudaUnavailableException(failure);
        }
        return lookup.find(symbol)
                .map(address -> Linker.nativeLinker().downcallHandle(address, descriptor))
                .orElseThrow(() -> new CudaUnavailableException(
                        loadedName + " has no function " + symbol + " (a driver or library older than jinfer needs?)"));
    }

    private void load() {
        if (lookup != null || failure != null) {
            return;
        }
        StringBuilder errors = new StringBuilder();
        for (String name : names) {
            try {
                lookup = SymbolLookup.libraryLookup(name, Arena.global());
                loadedName = name;
                return;
            } catch (IllegalArgumentException e) {
                errors.append(errors.isEmpty() ? "" : "; ").append(name).append(": ").append(e.getMessage());
            }
        }
        failure = what + " could not be loaded (tried " + String.join(", ", names) + "): " + errors;
    }
}
