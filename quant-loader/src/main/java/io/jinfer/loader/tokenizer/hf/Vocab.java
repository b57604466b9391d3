package io.jinfer.loader.tokenizer.hf;

import java.util.Map;

/** A model's vocabulary both ways: text to id and id to text (ids may have gaps). */
final class Vocab {
    private final Map<String, Integer> ids;
    private final String[] texts;

    /**
     * @param ids text → id, ids non-negative; kept, not copied (the caller hands it over)
     */
    Vocab(Map<String, Integer> ids) {
        this.ids = ids;
        int max = -1;
        for (int id : ids.values()) {
            max = Math.max(max, id);
        }
        texts = new String[max + 1];
        ids.forEach((t, id) -> texts[id] = t);
    }

    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    String text(int id) {
        return id >= 0 && id < texts.length ? texts[id] : null;
    }

    int size() {
        return texts.length;
    }

    /** @return the ids of the byte-fallback tokens {@code <0xXX>} spelling {@code s}, or null when one is missing */
    int[] byteFallback(String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = id(String.format("<0x%02X>", bytes[i] & 0xFF));
            if (out[i] < 0) {
                return null;
            }
        }
        return out;
    }
}
