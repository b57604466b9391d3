package io.jinfer.loader.tokenizer.hf;

import java.util.List;

/** A {@code tokenizer.json} post-processor: adds the special tokens around an encoded sequence. */
sealed interface PostProcessor {
    /**
     * @param ids the encoded sequence
     * @return the sequence with the special tokens added
     */
    int[] addSpecialTokens(int[] ids);

    /** @return the token this processor puts first, or -1 */
    int leadingToken();

    /** @return the token this processor puts last, or -1 */
    int trailingToken();

    /**
     * A template for single sequences (TemplateProcessing, BertProcessing, RobertaProcessing, and
     * the add_bos_token / add_eos_token flags of {@code tokenizer_config.json}).
     *
     * @param before ids put in front of the sequence
     * @param after ids put after it
     */
    record Template(int[] before, int[] after) implements PostProcessor {
        @Override
        public int[] addSpecialTokens(int[] ids) {
            int[] out = new int[before.length + ids.length + after.length];
            System.arraycopy(before, 0, out, 0, before.length);
            System.arraycopy(ids, 0, out, before.length, ids.length);
            System.arraycopy(after, 0, out, before.length + ids.length, after.length);
            return out;
        }

        @Override
        public int leadingToken() {
            return before.length > 0 ? before[0] : -1;
        }

        @Override
        public int trailingToken() {
            return after.length > 0 ? after[after.length - 1] : -1;
        }
    }

    /** Several processors, applied in order (ByteLevel's own processing only trims offsets: none here). */
    record Sequence(List<PostProcessor> steps) implements PostProcessor {
        @Override
        public int[] addSpecialTokens(int[] ids) {
            int[] out = ids;
            for (PostProcessor p : steps) {
                out = p.addSpecialTokens(out);
            }
            return out;
        }

        @Override
        public int leadingToken() {
            for (int i = steps.size() - 1; i >= 0; i--) {
                int t = steps.get(i).leadingToken();
                if (t >= 0) {
                    return t;
                }
            }
            return -1;
        }

        @Override
        public int trailingToken() {
            for (int i = steps.size() - 1; i >= 0; i--) {
                int t = steps.get(i).trailingToken();
                if (t >= 0) {
                    return t;
                }
            }
            return -1;
        }
    }
}
