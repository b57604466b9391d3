package io.jinfer.executor;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import java.nio.file.Path;

/**
 * Where a model's tensors come from, looked up by jinfer's role names, which are llama.cpp's GGUF
 * tensor names ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...). A GGUF file answers
 * them directly; a Hugging Face directory translates them to its own names.
 */
public interface WeightSource {

    /**
     * Returns the file or directory the tensors come from, for messages.
     *
     * @return the model's path
     */
    Path path();

    /**
     * Tells whether the model has a tensor for this role.
     *
     * @param role a GGUF tensor name
     * @return whether it is present
     */
    boolean hasTensor(String role);

    /**
     * Returns the tensor for a role: a zero-copy view, shape in ggml's order.
     *
     * @param role a GGUF tensor name
     * @return the view
     * @throws ModelFormatException when the model has no such tensor or it is malformed
     */
    TensorView tensor(String role);

    /**
     * The tensors of a GGUF file, whose names are the roles.
     *
     * @param file the open file
     * @return a source reading from it
     */
    static WeightSource of(GgufFile file) {
        return new WeightSource() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public boolean hasTensor(String role) {
                return file.hasTensor(role);
            }

            @Override
            public TensorView tensor(String role) {
                return file.tensor(role);
            }
        };
    }
}
