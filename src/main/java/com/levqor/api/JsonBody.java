package com.levqor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads a request body as a JSON object with precise errors: 415 when it is not JSON, 400
 * {@code malformed_json} with the line and column of the fault, 400 {@code invalid_request} when
 * it is not an object. Size is capped before this by {@code MAX_BODY_BYTES} (413).
 */
public final class JsonBody {
    private final ObjectMapper mapper;

    public JsonBody(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * JSON, or no declared type, or curl's default form type (a body sent with {@code curl -d} and no
     * {@code -H 'Content-Type: application/json'}), which is still parsed as JSON. Multipart, XML and
     * other declared types are refused with 415.
     */
    private static boolean acceptedType(String type) {
        return type.contains("json") || type.startsWith("application/x-www-form-urlencoded")
                || type.startsWith("text/plain");
    }

    /** The body as a JSON object; an empty body is an empty object when {@code emptyAllowed}. */
    public ObjectNode object(Context ctx, boolean emptyAllowed) {
        return parse(ctx.bodyAsBytes(), ctx.contentType(), emptyAllowed);
    }

    /** {@link #object(Context, boolean)} for a body already read, with its declared Content-Type (or null). */
    public ObjectNode parse(byte[] bytes, String type, boolean emptyAllowed) {
        if (bytes.length == 0) {
            if (emptyAllowed) {
                return mapper.createObjectNode();
            }
            throw ApiException.badRequest("empty_body", "The request body is empty; send a JSON object.");
        }
        if (type != null && !acceptedType(type.toLowerCase(Locale.ROOT))) {
            throw ApiException.unsupportedMediaType(
                    "Content-Type '" + type + "' is not supported; send application/json.");
        }
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("malformed_json", "The JSON body is nested too deeply or too large: "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiException.badRequest("malformed_json", "The body is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("malformed_json", "The body could not be read as JSON.");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_request", "The body must be a JSON object, not "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)) + ".");
        }
        return (ObjectNode) node;
    }
}
