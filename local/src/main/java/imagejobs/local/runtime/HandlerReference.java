package imagejobs.local.runtime;

/** A Lambda Java handler string: {@code package.Class::method} or just {@code package.Class} (handleRequest). */
public record HandlerReference(String className, String methodName) {

    public static HandlerReference parse(String handler) {
        String value = handler.trim();
        int separator = value.indexOf("::");
        if (separator < 0) {
            return new HandlerReference(value, "handleRequest");
        }
        return new HandlerReference(value.substring(0, separator), value.substring(separator + 2));
    }

    @Override
    public String toString() {
        return className + "::" + methodName;
    }
}
