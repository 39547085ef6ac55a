package imagejobs.shared.edits;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CodingErrorAction;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 2047 encoded words in S3 user metadata, both ways. S3 keeps metadata as HTTP headers, which are ASCII: a value
 * with other characters (a prompt in French) comes back as {@code =?UTF-8?B?...?=} or {@code =?UTF-8?Q?...?=}, and
 * clients may send such words themselves. {@link #encode} is what the S3 adapter writes, {@link #decode} what the edit
 * trigger reads: one class, so that whatever one writes the other reads back unchanged.
 *
 * <p>Hand-written because no maintained codec is on the functions' classpath: neither the AWS SDK, the JDK nor
 * Jackson has one, and jakarta.mail ({@code MimeUtility}) or commons-codec ({@code BCodec}, {@code QCodec}) would be
 * a new dependency in every function jar for these few lines.
 *
 * <p>Total: {@link #decode} returns the text or throws {@link Malformed}, whose message says in the user's terms what
 * is wrong, and nothing else. A value that does not have the form of an encoded word ({@code =?} alone, say) is plain
 * text and comes back unchanged. A value that has the form but cannot be decoded (an unknown character set, bad
 * Base64, a {@code =} not followed by two hex digits, bytes that are not valid in the character set, a word with no
 * closing {@code ?=}) is refused rather than passed on as it is: the gibberish would otherwise reach Gemini as the
 * prompt and be paid for. RFC 2047 §6.3 lets a reader show such a word as it is; it does not make it use one.
 * Linear time: no part of the patterns can match a {@code ?}, so no input makes them backtrack.
 */
public final class EncodedWords {
    /** Most characters of the offending word a message shows. */
    static final int MAX_SHOWN = 40;
    /** IANA character set names are at most 40 characters; RFC 2231 may add a language. */
    private static final int MAX_CHARSET_NAME = 80;
    private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?=");
    /** The start of an encoded word, to find those that never end. */
    private static final Pattern START = Pattern.compile("=\\?[^?\\s]+\\?[BbQq]\\?");

    private EncodedWords() {
    }

    /** An encoded word that cannot be decoded; the message names the problem and shows a short prefix of the word. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The value as an ASCII header can carry it: itself when it is printable ASCII without edge spaces (which headers
     * lose) and holds nothing {@link #decode} would read as an encoded word, else one B-encoded UTF-8 word. Null stays
     * null. {@code decode(encode(v))} is {@code v} for every string without unpaired surrogates.
     */
    public static String encode(String value) {
        if (value == null) {
            return null;
        }
        boolean plain = value.isEmpty() || (value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' ');
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7F;
        }
        // "=?" anywhere could start a word that decode would read: encode such a value too.
        if (plain && value.indexOf("=?") < 0) {
            return value;
        }
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    /** The value with every encoded word decoded; a value with none comes back as it is. Null stays null. */
    public static String decode(String value) throws Malformed {
        if (value == null || value.indexOf("=?") < 0) {
            return value;
        }
        Matcher m = WORD.matcher(value);
        StringBuilder out = new StringBuilder(value.length());
        int last = 0;
        boolean previousWasWord = false;
        while (m.find()) {
            unterminatedBefore(value, last, m.start());
            String between = value.substring(last, m.start());
            // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
            if (!(previousWasWord && between.isBlank())) {
                out.append(between);
            }
            out.append(word(m));
            last = m.end();
            previousWasWord = true;
        }
        unterminatedBefore(value, last, value.length());
        return last == 0 ? value : out.append(value, last, value.length()).toString();
    }

    /** Refuses the start of an encoded word in {@code value[from, to)}: it has no closing {@code ?=}. */
    private static void unterminatedBefore(String value, int from, int to) throws Malformed {
        Matcher start = START.matcher(value).region(from, to);
        if (start.find()) {
            throw new Malformed("the encoded word " + shown(value.substring(start.start()))
                    + " is not closed: no '?=' after its text (which may not hold spaces)");
        }
    }

    private static String word(Matcher m) throws Malformed {
        String word = m.group();
        Charset charset = charset(m.group(1), word);
        byte[] bytes = m.group(2).equalsIgnoreCase("B") ? base64(m.group(3), word) : quoted(m.group(3), word);
        String text;
        try {
            text = charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException | RuntimeException e) {
            text = null;
        }
        // The JDK's UTF-32 decoders let surrogate code points through, which no Unicode encoding allows.
        if (text == null || hasUnpairedSurrogate(text)) {
            throw new Malformed("the encoded word " + shown(word) + " holds bytes that are not valid "
                    + charset.name());
        }
        return text;
    }

    private static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static Charset charset(String name, String word) throws Malformed {
        // RFC 2231 adds a language after '*': =?UTF-8*fr?Q?...?=
        int star = name.indexOf('*');
        String charsetName = star >= 0 ? name.substring(0, star) : name;
        if (charsetName.length() <= MAX_CHARSET_NAME) {
            try {
                return Charset.forName(charsetName);
            } catch (RuntimeException e) {
                // IllegalCharsetNameException, UnsupportedCharsetException: reported below in the user's terms.
            }
        }
        throw new Malformed("the encoded word " + shown(word) + " names a character set that is not known "
                + "(use UTF-8)");
    }

    private static byte[] base64(String text, String word) throws Malformed {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new Malformed("the encoded word " + shown(word) + " is not valid Base64");
        }
    }

    /** The Q encoding: {@code _} is a space, {@code =XX} a byte in hex, other printable ASCII stands for itself. */
    private static byte[] quoted(String text, String word) throws Malformed {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=') {
                int high = i + 1 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
                int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0 || text.charAt(i + 1) > 0x7F || text.charAt(i + 2) > 0x7F) {
                    throw new Malformed("the encoded word " + shown(word) + " has '"
                            + shown(text.substring(i, Math.min(text.length(), i + 3)), 3)
                            + "', which is not '=' and two hex digits");
                }
                out.write(high * 16 + low);
                i += 2;
            } else if (c > 0x20 && c < 0x7F) {
                out.write(c);
            } else {
                throw new Malformed("the encoded word " + shown(word) + " has a character that the Q encoding "
                        + "does not allow (only printable ASCII; other bytes as =XX)");
            }
        }
        return out.toByteArray();
    }

    private static String shown(String text) {
        return "'" + shown(text, MAX_SHOWN) + "'";
    }

    /** At most {@code max} characters, control characters as '?', never half of a surrogate pair. */
    static String shown(String text, int max) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length() && out.length() < max) {
            int cp = text.codePointAt(i);
            boolean loneSurrogate = cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE;
            out.append(Character.isISOControl(cp) || loneSurrogate ? "?"
                    : new String(Character.toChars(cp)));
            i += Character.charCount(cp);
        }
        return i < text.length() ? out + "…" : out.toString();
    }
}
