package imagejobs.shared.edits;

import java.util.Locale;
import java.util.Optional;

/**
 * The S3 drop-folder convention: uploads at {@code edits/{tenant}/{path}.{ext}}, copies of the results at
 * {@code edited/{tenant}/{path}-{request_id}-{n}.{ext}} (n from 1, ext of the result's format). The job's id in the
 * name makes each upload's copies its own: uploading the same key again makes a new job whose copies sit beside the
 * earlier ones instead of replacing them, while a retry of the same job writes the same keys again. Copies are
 * written outside {@code edits/}, so they can never trigger another edit; the job's own images under
 * {@code outputs/} stay the ones the API points at.
 */
public final class EditKeys {
    public static final String EDITS_PREFIX = "edits/";
    public static final String EDITED_PREFIX = "edited/";

    private EditKeys() {
    }

    /** An upload's tenant and its path below {@code edits/{tenant}/}. */
    public record Upload(String tenant, String path) {
    }

    /** Empty when the key is not {@code edits/{tenant}/{non-empty path}}. */
    public static Optional<Upload> parse(String key) {
        if (key == null || !key.startsWith(EDITS_PREFIX)) {
            return Optional.empty();
        }
        String rest = key.substring(EDITS_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new Upload(rest.substring(0, slash), rest.substring(slash + 1)));
    }

    /**
     * Where the copy of the {@code index}-th result image (0-based) of job {@code requestId}, an edit of
     * {@code sourceKey}, goes: {@code edits/t/a/cat.png}, job {@code 01J…}, a PNG result 0 →
     * {@code edited/t/a/cat-01J…-1.png}.
     */
    public static String editedKey(String sourceKey, String requestId, int index, String extension) {
        Upload upload = parse(sourceKey).orElseThrow(() -> new IllegalArgumentException("not an edit key"));
        if (requestId == null || requestId.isEmpty() || requestId.indexOf('/') >= 0) {
            throw new IllegalArgumentException("a request id names each upload's copies");
        }
        String path = upload.path();
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        String stem = dot > slash + 1 ? path.substring(0, dot) : path;
        return EDITED_PREFIX + upload.tenant() + "/" + stem + "-" + requestId + "-" + (index + 1) + "."
                + extension.toLowerCase(Locale.ROOT);
    }
}
