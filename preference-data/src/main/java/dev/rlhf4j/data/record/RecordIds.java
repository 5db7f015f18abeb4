package dev.rlhf4j.data.record;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;

/**
 * Content-derived identifiers.
 *
 * <ul>
 *   <li>{@link #id}: the record id, the first 24 hex digits (96 bits) of the SHA-256 of prompt,
 *       chosen and rejected (roles and contents in order, Unicode NFC, UTF-8, with separator
 *       bytes 0, 1 and 2 after each role, message and section). The same content always gives the same id, so re-importing an export is
 *       idempotent; records with the same id are exact duplicates.
 *   <li>{@link #pairKey}: the key under which <em>normalised</em> duplicates meet: prompt and the
 *       unordered pair {chosen, rejected} after {@link #normalise} (NFC, lower case, runs of
 *       whitespace collapsed to one space, trimmed). The same pair labelled either way has the same
 *       key; {@link PairKey#chosenFirst()} tells the orientation. These keys never leave memory,
 *       so they use the faster 128-bit MurmurHash3 (a collision needs ~2^64 distinct pairs).
 * </ul>
 */
public final class RecordIds {

    private static final byte ROLE_END = 0;
    private static final byte MESSAGE_END = 1;
    private static final byte SECTION_END = 2;

    private RecordIds() {}

    public static String id(List<Message> prompt, List<Message> chosen, List<Message> rejected) {
        Hasher h = Hashing.sha256().newHasher();
        putMessages(h, prompt, false);
        putMessages(h, chosen, false);
        putMessages(h, rejected, false);
        return h.hash().toString().substring(0, 24);
    }

    private static HashFunction keyHash() {
        return Hashing.murmur3_128();
    }

    /** Key of a pair regardless of which side won, after normalisation. */
    public static PairKey pairKey(List<Message> prompt, List<Message> chosen, List<Message> rejected) {
        long[] p = hash128(prompt);
        long[] c = hash128(chosen);
        long[] r = hash128(rejected);
        boolean chosenFirst = compare(c, r) <= 0;
        long[] first = chosenFirst ? c : r;
        long[] second = chosenFirst ? r : c;
        Hasher h = keyHash().newHasher();
        h.putLong(p[0]).putLong(p[1]).putLong(first[0]).putLong(first[1]).putLong(second[0]).putLong(second[1]);
        byte[] d = h.hash().asBytes();
        return new PairKey(toLong(d, 0), toLong(d, 8), chosenFirst);
    }

    /** 128-bit hash of normalised messages (the prompt alone: the default split group). */
    public static long[] hash128(List<Message> messages) {
        Hasher h = keyHash().newHasher();
        putMessages(h, messages, true);
        byte[] d = h.hash().asBytes();
        return new long[] {toLong(d, 0), toLong(d, 8)};
    }

    /** NFC, lower case (root locale), whitespace runs collapsed to one space, trimmed. */
    public static String normalise(String text) {
        char[] buf = new char[text.length() + 1];
        return new String(buf, 0, normalise(text, buf));
    }

    /**
     * Writes the normalised text into {@code buf} (at least as long as the NFC text) and returns
     * its length. Lower-casing is per UTF-16 unit ({@link Character#toLowerCase(char)}), which is
     * all a key needs: the same input always gives the same output.
     */
    private static int normalise(String text, char[] buf) {
        String nfc = nfc(text);
        int n = 0;
        boolean space = false;
        for (int i = 0; i < nfc.length(); i++) {
            char ch = nfc.charAt(i);
            if (ch <= ' ' ? Character.isWhitespace(ch) : ch == '\u00a0' || (ch > '\u007f' && Character.isWhitespace(ch))) {
                space = n > 0;
            } else {
                if (space) {
                    buf[n++] = ' ';
                    space = false;
                }
                buf[n++] = ch < 0x80 ? (ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch) : Character.toLowerCase(ch);
            }
        }
        return n;
    }

    static String nfc(String text) {
        // below U+0300 (where combining marks start) every character is already composed
        boolean simple = true;
        for (int i = 0; i < text.length() && simple; i++) {
            simple = text.charAt(i) < '\u0300';
        }
        return simple || Normalizer.isNormalized(text, Normalizer.Form.NFC)
                ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    private static void putMessages(Hasher h, List<Message> messages, boolean normalised) {
        for (Message m : messages) {
            h.putBytes(m.role().getBytes(StandardCharsets.UTF_8)).putByte(ROLE_END);
            String content = normalised ? normalise(m.content()) : nfc(m.content());
            h.putBytes(content.getBytes(StandardCharsets.UTF_8)).putByte(MESSAGE_END);
        }
        h.putByte(SECTION_END);
    }

    private static int compare(long[] a, long[] b) {
        int c = Long.compare(a[0], b[0]);
        return c != 0 ? c : Long.compare(a[1], b[1]);
    }

    private static long toLong(byte[] d, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[off + i] & 0xffL);
        }
        return v;
    }

    /**
     * A 128-bit key of a normalised, unordered pair under a prompt.
     *
     * @param chosenFirst whether the record's chosen side is the pair's first side (the side with
     *     the smaller hash); records of the same pair labelled opposite ways differ here
     */
    public record PairKey(long hi, long lo, boolean chosenFirst) {

        /** The key without orientation, for maps. */
        public PairKey unoriented() {
            return chosenFirst ? this : new PairKey(hi, lo, true);
        }

        public String hex() {
            return String.format("%016x%016x", hi, lo);
        }
    }
}
