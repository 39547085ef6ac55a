package imagejobs.shared.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks' symmetric signature scheme: {@code webhook-signature} holds, space-separated, one
 * {@code v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>} per signing secret (two while a rotated
 * secret's grace period lasts), next to {@code webhook-id} and {@code webhook-timestamp} (unix seconds of the
 * attempt). Written here because the scheme is three lines over the JDK's HMAC; the Standard Webhooks reference
 * library checks these signatures in the tests.
 */
public final class WebhookSignatures {
    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    /** How far a receiver lets {@code webhook-timestamp} stray from its clock (the reference libraries' 5 minutes). */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final String HMAC = "HmacSHA256";
    private static final String VERSION = "v1";

    private WebhookSignatures() {
    }

    /** The three headers of a delivery made at {@code at}, signed with each of {@code secrets} in order. */
    public static Map<String, String> headers(String id, Instant at, byte[] body, List<WebhookSecret> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("a delivery is signed with at least one secret");
        }
        if (id.indexOf('.') >= 0 || id.isEmpty()) {
            throw new IllegalArgumentException("a webhook id is never empty and has no '.'");
        }
        long timestamp = at.getEpochSecond();
        List<String> signatures = new ArrayList<>();
        for (WebhookSecret secret : secrets) {
            signatures.add(sign(secret, id, timestamp, body));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(ID, id);
        headers.put(TIMESTAMP, Long.toString(timestamp));
        headers.put(SIGNATURE, String.join(" ", signatures));
        return headers;
    }

    /** One signature, {@code v1,<base64>}. */
    public static String sign(WebhookSecret secret, String id, long timestamp, byte[] body) {
        Mac mac = mac(secret);
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return VERSION + "," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    /** Whether a delivery's headers hold for its body, and if not, why (in a receiver's terms). */
    public record Verification(boolean valid, String reason) {
        static Verification ok(String reason) {
            return new Verification(true, reason);
        }

        static Verification failed(String reason) {
            return new Verification(false, reason);
        }
    }

    /**
     * Checks a delivery as a receiver must: all three headers present, a timestamp within {@link #TOLERANCE} of
     * {@code now}, and one {@code v1} signature that matches one of {@code secrets} (compared in constant time).
     */
    public static Verification verify(String id, String timestamp, String signatureHeader, byte[] body,
                                      List<WebhookSecret> secrets, Instant now) {
        if (id == null || timestamp == null || signatureHeader == null) {
            return Verification.failed("missing header(s):" + (id == null ? " " + ID : "")
                    + (timestamp == null ? " " + TIMESTAMP : "") + (signatureHeader == null ? " " + SIGNATURE : ""));
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Verification.failed(TIMESTAMP + " is not a whole number of seconds");
        }
        long skew = seconds - now.getEpochSecond();
        if (Math.abs(skew) > TOLERANCE.toSeconds()) {
            return Verification.failed(TIMESTAMP + " is " + Math.abs(skew) + " s " + (skew < 0 ? "old" : "ahead")
                    + "; at most " + TOLERANCE.toSeconds() + " s is accepted (replay protection)");
        }
        int offered = 0;
        for (String candidate : signatureHeader.trim().split(" +")) {
            int comma = candidate.indexOf(',');
            if (comma < 0 || !candidate.substring(0, comma).equals(VERSION)) {
                continue;
            }
            offered++;
            byte[] given = candidate.substring(comma + 1).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < secrets.size(); i++) {
                String expected = sign(secrets.get(i), id, seconds, body);
                byte[] wanted = expected.substring(VERSION.length() + 1).getBytes(StandardCharsets.US_ASCII);
                if (MessageDigest.isEqual(given, wanted)) {
                    return Verification.ok("signature " + offered + " of the header matches"
                            + (secrets.size() > 1 ? " secret " + (i + 1) : ""));
                }
            }
        }
        return Verification.failed(offered == 0 ? "no v1 signature in " + SIGNATURE
                : "none of the " + offered + " v1 signature(s) matches the secret (wrong secret, or the body, id or"
                + " timestamp was changed)");
    }

    private static Mac mac(WebhookSecret secret) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.key(), HMAC));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("this JVM cannot compute HMAC-SHA256", e);
        }
    }
}
