package imagejobs.shared.edits;

import java.util.Locale;
import java.util.Optional;

/**
 * The S3 drop-folder convention: uploads at {@code edits/{tenant}/{path}.{ext}}, results at
 * {@code edited/{tenant}/{path}-{n}.{ext}} (n from 1, ext of the result's format). Results are written outside
 * {@code edits/}, so they can never trigger another edit.
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
     * Where the {@code index}-th result image (0-based) of an edit of {@code sourceKey} goes:
     * {@code edits/t/a/cat.png} with a PNG result 0 → {@code edited/t/a/cat-1.png}.
     */
    public static String editedKey(String sourceKey, int index, String extension) {
        Upload upload = parse(sourceKey).orElseThrow(() -> new IllegalArgumentException("not an edit key: " + sourceKey));
        String path = upload.path();
        int dot = path.lastIndexOf('.');
        String stem = dot > path.lastIndexOf('/') && dot > 0 ? path.substring(0, dot) : path;
        return EDITED_PREFIX + upload.tenant() + "/" + stem + "-" + (index + 1) + "." + extension.toLowerCase(Locale.ROOT);
    }
}
