package imagejobs.shared.status;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.jobs.Timestamps;

/**
 * Opaque listing cursors: a position in the tenant's listing, sealed with a MAC that binds it to the tenant and
 * the filters it was issued for.
 *
 * <pre>
 * cursor  = base64url, no padding ( payload || tag )
 * payload = version (1 byte, 0x01) || len || created_at (ASCII) || len || request_id (ASCII)     lengths: 1 byte
 * tag     = first 16 bytes of HMAC-SHA256(key, label || version || tenant || filters || created_at || request_id)
 *           where every variable field is preceded by its length (4 bytes), filters in {@link ListFilters#canonical()}
 * </pre>
 *
 * The tenant and the filters are not carried (the caller sends them again) but are covered by the tag: a cursor
 * used by another tenant, with other filters, altered in any byte, or not made by us fails the tag check and is a
 * 400 INVALID_CURSOR. The page size is not bound: a client may change {@code limit} between pages. Decoding is
 * strict (the text must be the canonical encoding of its bytes) so no two strings are the same cursor.
 */
public final class ListCursors {
    public static final String INVALID_CURSOR = "INVALID_CURSOR";

    private static final byte VERSION = 1;
    private static final int TAG_BYTES = 16;
    private static final int MAX_CURSOR_CHARS = 256;
    private static final byte[] LABEL = "imagejobs/list-cursor".getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final Supplier<byte[]> secret;
    private volatile SecretKeySpec key;

    /** {@code secret}: at least 16 bytes (Settings.cursorSecret()). */
    public ListCursors(byte[] secret) {
        this.key = spec(secret);
        this.secret = null;
    }

    /**
     * A key fetched on the first cursor encoded or decoded ({@link CursorKeySource}), not at construction: a key from
     * Secrets Manager then never sits in a SnapStart snapshot. A failed fetch is not remembered; the next call tries
     * again.
     */
    public ListCursors(Supplier<byte[]> secret) {
        this.secret = secret;
    }

    private static SecretKeySpec spec(byte[] secret) {
        if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException("the cursor key must be at least 16 bytes");
        }
        return new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    private SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k == null) {
            synchronized (this) {
                if (key == null) {
                    key = spec(secret.get());
                }
                k = key;
            }
        }
        return k;
    }

    public String encode(String tenant, ListFilters filters, Position position) {
        byte[] createdAt = position.createdAt().getBytes(StandardCharsets.US_ASCII);
        byte[] requestId = position.requestId().getBytes(StandardCharsets.US_ASCII);
        if (createdAt.length > 255 || requestId.length > 255) {
            throw new IllegalArgumentException("position too long for a cursor: " + position);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(VERSION);
        out.write(createdAt.length);
        out.writeBytes(createdAt);
        out.write(requestId.length);
        out.writeBytes(requestId);
        out.writeBytes(tag(tenant, filters, createdAt, requestId));
        return ENCODER.encodeToString(out.toByteArray());
    }

    /** The position a cursor stands for; 400 INVALID_CURSOR unless this tenant got it for these filters. */
    public Position decode(String tenant, ListFilters filters, String cursor) {
        if (cursor == null || cursor.isEmpty() || cursor.length() > MAX_CURSOR_CHARS) {
            throw invalid();
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(cursor);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        // Base64 ignores the spare low bits of the last character: insist on the one canonical spelling.
        if (!ENCODER.encodeToString(bytes).equals(cursor)) {
            throw invalid();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.remaining() < 3 + TAG_BYTES || in.get() != VERSION) {
            throw invalid();
        }
        byte[] createdAt = field(in);
        byte[] requestId = field(in);
        if (in.remaining() != TAG_BYTES) {
            throw invalid();
        }
        byte[] presented = new byte[TAG_BYTES];
        in.get(presented);
        if (!MessageDigest.isEqual(presented, tag(tenant, filters, createdAt, requestId))) {
            throw invalid();
        }
        Position position = new Position(new String(createdAt, StandardCharsets.US_ASCII),
                new String(requestId, StandardCharsets.US_ASCII));
        // Only our own positions carry a valid tag; checking their shape anyway keeps a key leak from reaching DynamoDB.
        if (!RequestIds.isValid(position.requestId()) || !canonicalTime(position.createdAt())) {
            throw invalid();
        }
        return position;
    }

    private static byte[] field(ByteBuffer in) {
        if (!in.hasRemaining()) {
            throw invalid();
        }
        int length = in.get() & 0xff;
        if (length == 0 || in.remaining() < length + TAG_BYTES) {
            throw invalid();
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private byte[] tag(String tenant, ListFilters filters, byte[] createdAt, byte[] requestId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key());
            mac.update(LABEL);
            mac.update(VERSION);
            lengthPrefixed(mac, tenant.getBytes(StandardCharsets.UTF_8));
            lengthPrefixed(mac, filters.canonical().getBytes(StandardCharsets.UTF_8));
            lengthPrefixed(mac, createdAt);
            lengthPrefixed(mac, requestId);
            return Arrays.copyOf(mac.doFinal(), TAG_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static void lengthPrefixed(Mac mac, byte[] value) {
        mac.update(ByteBuffer.allocate(4).putInt(value.length).array());
        mac.update(value);
    }

    private static boolean canonicalTime(String value) {
        try {
            return Timestamps.format(Timestamps.parse(value)).equals(value);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    static Rejection invalid() {
        return Rejection.invalid(INVALID_CURSOR, "cursor is not valid for this listing: pass next_cursor "
                + "exactly as received, with the same API key and the same status, model, created_after and "
                + "created_before; to start over, leave cursor out", "cursor");
    }
}
