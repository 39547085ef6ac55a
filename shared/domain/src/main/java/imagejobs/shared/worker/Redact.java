package imagejobs.shared.worker;

/**
 * Text safe for error messages and logs. Query strings are where URLs carry credentials (presigned URLs, tokens),
 * so a URL keeps its scheme, host and path and loses the rest.
 */
public final class Redact {
    private static final int MAX_URL = 300;

    private Redact() {
    }

    /** Any text (an S3 key, a value): at most a few hundred characters. */
    public static String text(String text) {
        return text == null || text.length() <= MAX_URL ? text : text.substring(0, MAX_URL) + "…";
    }

    public static String url(String url) {
        if (url == null) {
            return null;
        }
        int cut = url.length();
        int query = url.indexOf('?');
        int fragment = url.indexOf('#');
        if (query >= 0) {
            cut = query;
        }
        if (fragment >= 0 && fragment < cut) {
            cut = fragment;
        }
        String shown = url.substring(0, cut);
        int schemeEnd = shown.indexOf("://");
        int at = shown.indexOf('@');
        int pathStart = schemeEnd < 0 ? -1 : shown.indexOf('/', schemeEnd + 3);
        if (schemeEnd >= 0 && at > schemeEnd && (pathStart < 0 || at < pathStart)) {
            shown = shown.substring(0, schemeEnd + 3) + "…@" + shown.substring(at + 1);
        }
        if (shown.length() > MAX_URL) {
            shown = shown.substring(0, MAX_URL) + "…";
        }
        return cut < url.length() ? shown + "?…" : shown;
    }
}
