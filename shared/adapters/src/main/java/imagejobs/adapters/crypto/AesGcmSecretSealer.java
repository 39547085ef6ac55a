package imagejobs.adapters.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Supplier;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

import imagejobs.shared.webhooks.SecretSealer;
import imagejobs.shared.webhooks.WebhookSecret;

/**
 * {@link SecretSealer} with AES-256-GCM (the JDK's own provider) under the service keys of {@link ServiceKeys}:
 * {@code v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>}, a fresh 96-bit random nonce per seal, and the tenant
 * in the associated data, so a sealed text moved to another tenant's record fails to open, as does any altered
 * byte. Only this envelope is ours; the cipher is the JDK's. Chosen over KMS Encrypt/Decrypt because the same code
 * then runs on AWS and in the local stack (which has no KMS), the key lives in Secrets Manager like the cursor key,
 * and a delivery costs no KMS call.
 *
 * <p>The keys come from a supplier the caller memoizes (one Secrets Manager read per container, on first use).
 */
public final class AesGcmSecretSealer implements SecretSealer {
    static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final Supplier<ServiceKeys> keys;
    private final SecureRandom random;

    public AesGcmSecretSealer(Supplier<ServiceKeys> keys, SecureRandom random) {
        this.keys = keys;
        this.random = random;
    }

    @Override
    public String seal(String tenant, WebhookSecret secret) {
        ServiceKeys.Key key = keys.get().current();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(tenant, key.id()));
            byte[] sealed = cipher.doFinal(secret.key());
            byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return VERSION + "." + key.id() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot seal with AES-256-GCM", e);
        }
    }

    @Override
    public WebhookSecret open(String tenant, String sealed) {
        String[] parts = sealed == null ? new String[0] : sealed.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            throw new Broken("the stored webhook secret is not in a form this service seals");
        }
        ServiceKeys.Key key = keys.get().find(parts[1]).orElseThrow(() -> new Broken(
                "the stored webhook secret was sealed under a service key this service no longer has ("
                        + parts[1] + ")"));
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new Broken("the stored webhook secret is not in a form this service seals");
        }
        if (bytes.length <= NONCE_BYTES + TAG_BITS / 8) {
            throw new Broken("the stored webhook secret is too short to be one this service sealed");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData(tenant, key.id()));
            return WebhookSecret.ofKey(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES));
        } catch (AEADBadTagException e) {
            throw new Broken("the stored webhook secret does not open: it was altered or is another tenant's");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot open AES-256-GCM", e);
        }
    }

    @Override
    public boolean stale(String sealed) {
        String[] parts = sealed.split("\\.", -1);
        return parts.length == 3 && !parts[1].equals(keys.get().current().id());
    }

    /** The tenant and the key id (and the format), bound to the ciphertext. */
    private static byte[] associatedData(String tenant, String keyId) {
        return ("imagejobs webhook secret " + VERSION + "\n" + keyId + "\n" + tenant).getBytes(StandardCharsets.UTF_8);
    }
}
