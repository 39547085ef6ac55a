package imagejobs.local.template;

/** The template says something the local stack cannot read or resolve; the message names the place. */
public final class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }
}
