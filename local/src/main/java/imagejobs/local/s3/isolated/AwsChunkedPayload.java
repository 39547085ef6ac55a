package imagejobs.local.s3.isolated;

/**
 * Picks the payload out of an aws-chunked body as it streams past ({@code <hex size>[;chunk-signature=...]\r\n<data>
 * \r\n} ... up to the last, empty chunk {@code 0[;...]\r\n}), so a checksum header can be checked against the decoded
 * object while S3Proxy still reads the framed bytes itself. Hand-written: S3Proxy's own decoder is a package-private
 * stream that consumes the body, and no library here offers a pass-through one.
 */
final class AwsChunkedPayload {
    /** A chunk header is a hex size plus a 64-hex-digit signature: far below this. */
    private static final int MAX_LINE = 4096;

    /** Receives payload bytes. */
    interface Sink {
        void accept(byte[] bytes, int offset, int length);
    }

    private enum State { HEADER, DATA, DATA_CR, DATA_LF, DONE }

    private final Sink sink;
    private final StringBuilder line = new StringBuilder();
    private State state = State.HEADER;
    private long remaining;
    private boolean malformed;

    AwsChunkedPayload(Sink sink) {
        this.sink = sink;
    }

    /** Feeds raw body bytes. */
    void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && state != State.DONE && !malformed) {
            switch (state) {
                case HEADER -> {
                    byte b = bytes[i++];
                    if (b == '\n') {
                        endLine();
                    } else if (b != '\r') {
                        if (line.length() >= MAX_LINE) {
                            malformed = true;
                        }
                        line.append((char) (b & 0xFF));
                    }
                }
                case DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    sink.accept(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_CR;
                    }
                }
                case DATA_CR -> state = bytes[i++] == '\r' ? State.DATA_LF : fail();
                case DATA_LF -> state = bytes[i++] == '\n' ? State.HEADER : fail();
                default -> i = end;
            }
        }
    }

    private void endLine() {
        String text = line.toString().trim();
        line.setLength(0);
        int semicolon = text.indexOf(';');
        try {
            remaining = Long.parseLong(semicolon < 0 ? text : text.substring(0, semicolon), 16);
        } catch (NumberFormatException e) {
            malformed = true;
            return;
        }
        state = remaining == 0 ? State.DONE : State.DATA;
    }

    private State fail() {
        malformed = true;
        return state;
    }

    /** The last, empty chunk was seen and the framing held: the payload is complete (a trailer may follow). */
    boolean complete() {
        return state == State.DONE && !malformed;
    }
}
