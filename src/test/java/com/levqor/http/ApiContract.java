package com.levqor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.levqor.testing.Response;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The API document ({@code src/main/resources/openapi.json}) as a contract a real answer is held
 * to: its status must be documented for its route, its body must match the response's JSON Schema
 * (2020-12, formats asserted), its headers marked required must be there. Every answer checked is
 * recorded, so a test can say which routes it has proved.
 */
final class ApiContract {
    private static final String DOCUMENT_URI = "https://levqor.invalid/openapi.json";

    private final String text;
    private final JsonNode document;
    private final SchemaRegistry schemas;
    private final Set<String> checked = new TreeSet<>();

    private ApiContract(String text) throws IOException {
        this.text = text;
        this.document = new ObjectMapper().readTree(text);
        this.schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemas(Map.of(DOCUMENT_URI, text))
                        .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    static ApiContract load() {
        try (InputStream in = ApiContract.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is not on the class path");
            }
            return new ApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text() {
        return text;
    }

    JsonNode document() {
        return document;
    }

    /** The operation of {@code method path}, or null when the document has none. */
    JsonNode operation(String method, String path) {
        JsonNode op = document.path("paths").path(path).get(method.toLowerCase(Locale.ROOT));
        return op == null || op.isMissingNode() ? null : op;
    }

    /** Every documented operation as {@code "METHOD /path"}. */
    Set<String> operations() {
        Set<String> out = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames()
                .forEachRemaining(m -> out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey())));
        return out;
    }

    /** {@code "METHOD /path status"} of every answer checked so far. */
    Set<String> checked() {
        return checked;
    }

    /**
     * Holds one real answer of {@code method path} (the route template) to the document; returns the
     * problems found, empty when the answer conforms.
     */
    List<String> problems(String method, String path, Response r) {
        List<String> problems = new ArrayList<>();
        String what = method + " " + path + " answered " + r.status();
        JsonNode op = operation(method, path);
        if (op == null) {
            return List.of(what + ": the document has no such operation");
        }
        String status = Integer.toString(r.status());
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status;
        JsonNode response = op.path("responses").get(status);
        if (response == null) {
            return List.of(what + ": status " + status + " is not documented for this route (documented: "
                    + fieldNames(op.path("responses")) + "); body " + r.body());
        }
        if (response.has("$ref")) {
            String ref = response.get("$ref").asText();
            pointer = ref.substring(1);
            response = document.at(pointer);
        }
        checked.add(method + " " + path + " " + status);
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode header = h.getValue().has("$ref") ? document.at(h.getValue().get("$ref").asText().substring(1))
                    : h.getValue();
            if (header.path("required").asBoolean(false) && r.header(h.getKey()) == null) {
                problems.add(what + ": the required header " + h.getKey() + " is missing");
            }
        }
        JsonNode content = response.get("content");
        if (content == null) {
            if (!r.body().isEmpty()) {
                problems.add(what + ": the document says no body, the answer has " + r.body());
            }
            return problems;
        }
        String type = r.header("Content-Type");
        String media = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!content.has(media)) {
            problems.add(what + ": Content-Type " + type + " is not documented (documented: " + fieldNames(content) + ")");
            return problems;
        }
        if (!media.endsWith("json")) {
            return problems;
        }
        Schema schema = schemas.getSchema(SchemaLocation.of(DOCUMENT_URI + "#" + pointer + "/content/"
                + escape(media) + "/schema"));
        for (Error e : schema.validate(r.body(), InputFormat.JSON)) {
            problems.add(what + ": " + e + " in " + r.body());
        }
        return problems;
    }

    private static String escape(String pointerPart) {
        return pointerPart.replace("~", "~0").replace("/", "~1");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
