package imagejobs.local.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;

/**
 * How to construct and call one handler class, found the way Lambda's Java runtime finds it: the named public
 * method, preferring (input, Context) over (input) over (); {@code (InputStream, OutputStream, Context)} is a stream
 * handler; the input type comes from the method's parameter or, when that is a type variable, from the class's
 * {@code RequestHandler<I, O>} declaration.
 */
final class HandlerMethod {
    private static final String REQUEST_HANDLER = "com.amazonaws.services.lambda.runtime.RequestHandler";

    private final Class<?> handlerClass;
    private final Method method;
    private final boolean stream;
    private final boolean takesInput;
    private final boolean takesContext;
    private final Class<?> contextType;
    private final PojoSerializer<Object> inputSerializer;
    private final Type outputType;
    private final ClassLoader loader;
    /** Output serializers by type: building one costs a Jackson introspection, every invocation would pay it. */
    private final Map<Type, PojoSerializer<Object>> outputSerializers = new ConcurrentHashMap<>();

    private HandlerMethod(Class<?> handlerClass, Method method, ClassLoader loader) {
        this.handlerClass = handlerClass;
        this.method = method;
        this.loader = loader;
        Class<?>[] parameters = method.getParameterTypes();
        this.stream = parameters.length == 3 && InputStream.class.isAssignableFrom(parameters[0])
                && OutputStream.class.isAssignableFrom(parameters[1]);
        this.takesInput = parameters.length >= 1;
        this.takesContext = parameters.length == 2 || stream;
        this.contextType = takesContext ? parameters[stream ? 2 : 1] : null;
        Type inputType = takesInput && !stream ? inputType(handlerClass, method) : null;
        this.inputSerializer = inputType == null ? null : LambdaSerializers.forType(inputType, loader);
        this.outputType = stream ? null : outputType(handlerClass, method);
    }

    static HandlerMethod resolve(HandlerReference reference, ClassLoader loader) {
        Class<?> handlerClass;
        try {
            handlerClass = Class.forName(reference.className(), true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new HandlerException("Runtime.HandlerNotFound",
                    "Class not found: " + reference.className() + " (" + e + ")", e);
        }
        Method method = Arrays.stream(handlerClass.getMethods())
                .filter(m -> m.getName().equals(reference.methodName()) && !m.isBridge() && !m.isSynthetic())
                .filter(m -> m.getParameterCount() <= 3)
                .max(Comparator.comparingInt(HandlerMethod::preference))
                .orElseThrow(() -> new HandlerException("Runtime.HandlerNotFound",
                        "No public method named " + reference.methodName() + " in " + reference.className(), null));
        return new HandlerMethod(handlerClass, method, loader);
    }

    /** Stream handlers first, then (input, Context), (input), (). */
    private static int preference(Method m) {
        Class<?>[] p = m.getParameterTypes();
        if (p.length == 3) {
            return InputStream.class.isAssignableFrom(p[0]) && OutputStream.class.isAssignableFrom(p[1]) ? 4 : -1;
        }
        if (p.length == 2) {
            return p[1].getName().equals("com.amazonaws.services.lambda.runtime.Context") ? 3 : -1;
        }
        return p.length == 1 ? 2 : 1;
    }

    private static Type inputType(Class<?> handlerClass, Method method) {
        Type declared = method.getGenericParameterTypes()[0];
        if (declared instanceof TypeVariable<?>) {
            Type[] arguments = requestHandlerArguments(handlerClass);
            return arguments != null ? arguments[0] : Object.class;
        }
        return declared;
    }

    private static Type outputType(Class<?> handlerClass, Method method) {
        Type declared = method.getGenericReturnType();
        if (declared instanceof TypeVariable<?> || declared == Object.class) {
            Type[] arguments = requestHandlerArguments(handlerClass);
            return arguments != null && !(arguments[1] instanceof TypeVariable<?>) ? arguments[1] : Object.class;
        }
        return declared;
    }

    /** The actual type arguments of RequestHandler<I, O> somewhere in the class's hierarchy, or null. */
    private static Type[] requestHandlerArguments(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type i : c.getGenericInterfaces()) {
                if (i instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
                        && raw.getName().equals(REQUEST_HANDLER)) {
                    return p.getActualTypeArguments();
                }
            }
        }
        return null;
    }

    Class<?> handlerClass() {
        return handlerClass;
    }

    /** The Context interface as the function's class loader knows it, or null when the method takes none. */
    Class<?> contextType() {
        return contextType;
    }

    /**
     * The stack's constructor first: {@code public Handler(Map<String, String> environment)}; else the no-argument
     * one Lambda uses (which would read this process's environment, so it is only a fallback).
     */
    Object newInstance(Map<String, String> environment) throws Throwable {
        if (Modifier.isStatic(method.getModifiers())) {
            return null;
        }
        try {
            Constructor<?> withEnvironment = handlerClass.getConstructor(Map.class);
            return withEnvironment.newInstance(environment);
        } catch (NoSuchMethodException e) {
            try {
                return handlerClass.getConstructor().newInstance();
            } catch (NoSuchMethodException none) {
                throw new HandlerException("Runtime.HandlerNotFound", handlerClass.getName()
                        + " needs a public constructor taking Map<String, String> (or a public no-argument one)", none);
            }
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Calls the handler; returns the response JSON. Throws what the handler threw. */
    String invoke(Object instance, String eventJson, Object context) throws Throwable {
        try {
            if (stream) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                InputStream in = new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8));
                method.invoke(instance, in, out, context);
                return out.toString(StandardCharsets.UTF_8);
            }
            Object input = takesInput ? deserialize(eventJson) : null;
            Object result = !takesInput ? method.invoke(instance)
                    : takesContext ? method.invoke(instance, input, context)
                    : method.invoke(instance, input);
            if (method.getReturnType() == void.class || result == null) {
                return "null";
            }
            Type type = outputType == Object.class ? result.getClass() : outputType;
            return LambdaSerializers.toJson(outputSerializers.computeIfAbsent(type,
                    t -> LambdaSerializers.forType(t, loader)), result);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Object deserialize(String eventJson) {
        try {
            return inputSerializer.fromJson(eventJson);
        } catch (RuntimeException e) {
            // What the Java runtime reports when the event does not fit the handler's input type.
            throw new HandlerException("Runtime.UnmarshalError",
                    "Could not deserialize the event into " + method.getGenericParameterTypes()[0].getTypeName()
                            + ": " + e.getMessage(), e);
        }
    }

    /** A failure the runtime itself reports (handler not found, bad input), with Lambda's errorType. */
    static final class HandlerException extends RuntimeException {
        private final String errorType;

        HandlerException(String errorType, String message, Throwable cause) {
            super(message, cause);
            this.errorType = errorType;
        }

        String errorType() {
            return errorType;
        }
    }
}
