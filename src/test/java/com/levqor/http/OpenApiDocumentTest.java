package com.levqor.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API document is valid OpenAPI 3.1 as swagger-parser reads it: no error, no warning. */
class OpenApiDocumentTest {

    @Test
    void isValidOpenApi31WithoutWarnings() {
        ApiContract contract = ApiContract.load();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(contract.text(), null, options);

        assertThat(result.getMessages()).as("swagger-parser's errors and warnings").isEmpty();
        OpenAPI api = result.getOpenAPI();
        assertThat(api).isNotNull();
        assertThat(api.getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getPaths()).hasSameSizeAs(contract.document().path("paths"));
    }

    @Test
    void everyOperationHasAUniqueIdAndDocumentsItsErrors() {
        ApiContract contract = ApiContract.load();
        List<String> ids = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        contract.document().path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            String op = m.getKey().toUpperCase() + " " + p.getKey();
            ids.add(m.getValue().path("operationId").asText(op));
            var responses = m.getValue().path("responses");
            for (String status : new String[] {"403", "500"}) {
                boolean neverBlocked = status.equals("403") && com.levqor.edge.ProbeRoutes.is(p.getKey());
                if (responses.has(status) == neverBlocked) {
                    problems.add(op + (neverBlocked ? " documents " : " does not document ") + status);
                }
            }
        }));
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(problems).isEmpty();
    }
}
