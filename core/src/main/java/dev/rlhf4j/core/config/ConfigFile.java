package dev.rlhf4j.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rlhf4j.core.io.JsonFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A YAML config file with its overrides applied. Sections bind to records whose components are
 * the snake_case keys; every key is checked: an unknown key, a value of the wrong type, or a value
 * out of range is a {@link ConfigException} naming the file and the full key.
 *
 * <pre>{@code
 * ConfigFile cfg = ConfigFile.load(Path.of("configs/demo.yaml"), List.of("sft.training.lr=3e-4"));
 * SftConfig sft = cfg.bind("sft", SftConfig.class);
 * }</pre>
 */
public final class ConfigFile {
    /**
     * Binds values as written, never converting one kind of scalar into another: {@code 8.5} for an
     * integer key is an error (Jackson would truncate it to 8), as is {@code "abc"} or {@code "8"}
     * for a number and {@code 1} for a boolean. An integer for a floating-point key is a number and
     * binds.
     */
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS);

    private final String source;
    private final ObjectNode root;

    private ConfigFile(String source, ObjectNode root) {
        this.source = source;
        this.root = root;
    }

    /** Reads {@code file} and applies {@code overrides} ({@code a.b.c=value}, value parsed as YAML). */
    public static ConfigFile load(Path file, List<String> overrides) {
        if (!Files.exists(file)) {
            throw new ConfigException(file + ": config file not found");
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            // SnakeYAML's message quotes the line under a caret; its unindented lines say what is wrong
            String problem = e.getOriginalMessage().lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                    .collect(Collectors.joining("; "));
            throw new ConfigException(file + ": not valid YAML: " + problem + JsonFile.where(e));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JsonNodeFactory.instance.objectNode();
        }
        if (!tree.isObject()) {
            throw new ConfigException(file + ": the top level must be a mapping of sections");
        }
        ConfigFile cfg = new ConfigFile(file.toString(), (ObjectNode) tree);
        overrides.forEach(cfg::set);
        return cfg;
    }

    /** A config built in code (tests, the demo), {@code source} naming it in errors. */
    public static ConfigFile of(String source, ObjectNode root) {
        return new ConfigFile(source, root.deepCopy());
    }

    /** Applies one {@code a.b.c=value} override. */
    public void set(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + assignment + ": expected key=value, e.g. sft.training.lr=3e-4");
        }
        String[] path = assignment.substring(0, eq).trim().split("\\.");
        JsonNode value;
        try {
            value = YAML.readTree(assignment.substring(eq + 1));
        } catch (IOException e) {
            throw new ConfigException("--set " + assignment + ": the value is not valid YAML");
        }
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                child = node.putObject(path[i]);
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value == null || value.isMissingNode() ? JsonNodeFactory.instance.nullNode() : value);
    }

    /** Replaces the top-level key {@code key} with {@code value}. */
    public void replace(String key, JsonNode value) {
        root.set(key, value.deepCopy());
    }

    public String source() {
        return source;
    }

    /** Whether the config has a (non-null) section or key {@code dotted}. */
    public boolean has(String dotted) {
        return !node(dotted).isMissingNode() && !node(dotted).isNull();
    }

    /** The node at {@code a.b.c}, or a missing node. */
    public JsonNode node(String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }

    /** The whole resolved tree (for saving with a run). */
    public ObjectNode tree() {
        return root.deepCopy();
    }

    /** Writes the resolved config as YAML. */
    public void write(Path file) throws IOException {
        YAML.writeValue(file.toFile(), root);
    }

    /** Binds section {@code dotted} (absent: an empty mapping, so defaults apply) to {@code type}. */
    public <T> T bind(String dotted, Class<T> type) {
        JsonNode section = node(dotted);
        if (section.isMissingNode() || section.isNull()) {
            section = JsonNodeFactory.instance.objectNode();
        }
        return convert(dotted, section, type);
    }

    /**
     * The scalar or list at {@code dotted} as {@code type} (absent or null: {@code fallback}), with the
     * same checks as {@link #bind}: {@code seed: abc} is an error naming the file and the key.
     */
    public <T> T value(String dotted, Class<T> type, T fallback) {
        JsonNode node = node(dotted);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        return convert(dotted, node, type);
    }

    private <T> T convert(String dotted, JsonNode node, Class<T> type) {
        try {
            return YAML.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw new ConfigException(source + ": unknown key " + key(dotted, e) + "; accepted keys: " + known);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String prefix = key(dotted, e);
            throw new ConfigException(source + ": " + (prefix.isEmpty() ? "" : prefix + ".") + cause.getMessage());
        } catch (InvalidFormatException e) {
            throw new ConfigException(source + ": " + key(dotted, e) + " must be " + expected(e.getTargetType())
                    + ", but is: " + e.getValue());
        } catch (MismatchedInputException e) {
            JsonNode found = at(node, e);
            throw new ConfigException(source + ": " + key(dotted, e) + " must be " + expected(e.getTargetType())
                    + (found.isMissingNode() ? " (" + e.getOriginalMessage().split("\n")[0] + ")"
                            : ", but is: " + (found.isValueNode() ? found.asText() : found.toString())));
        } catch (JsonMappingException e) {
            throw new ConfigException(source + ": " + key(dotted, e) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(source + ": " + dotted + ": " + e.getMessage());
        }
    }

    private static String key(String section, JsonMappingException e) {
        StringBuilder k = new StringBuilder(section);
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                k.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                k.append('[').append(r.getIndex()).append(']');
            }
        }
        return k.toString();
    }

    /** The node the error {@code e} is about, inside {@code node}; missing if the path leads nowhere. */
    private static JsonNode at(JsonNode node, JsonMappingException e) {
        JsonNode n = node;
        for (JsonMappingException.Reference r : e.getPath()) {
            n = r.getFieldName() != null ? n.path(r.getFieldName()) : n.path(r.getIndex());
        }
        return n;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a value of another type";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.toString().toLowerCase())
                    .collect(Collectors.joining(", "));
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a mapping";
    }
}
