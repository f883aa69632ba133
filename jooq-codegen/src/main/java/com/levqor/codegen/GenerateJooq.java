package com.levqor.codegen;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Logging;
import org.jooq.meta.jaxb.Target;

/**
 * Regenerates Levqor's jOOQ classes: starts a throw-away embedded Postgres, applies every migration
 * with Flyway, and runs jOOQ's generator against the result. The output is deterministic (no dates),
 * so `make codegen-check` can compare a fresh generation with the committed sources.
 *
 * <p>Arguments: the migrations folder and the source root to write {@code com.levqor.db.jooq} into.
 */
public final class GenerateJooq {
    public static final String PACKAGE = "com.levqor.db.jooq";

    private GenerateJooq() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: GenerateJooq <migrations-dir> <source-root>");
            System.exit(2);
        }
        Path migrations = Path.of(args[0]).toAbsolutePath().normalize();
        Path out = Path.of(args[1]).toAbsolutePath().normalize();
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Files.createDirectories(out);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            Flyway.configure()
                    .dataSource(pg.getPostgresDatabase())
                    .locations("filesystem:" + migrations)
                    .load()
                    .migrate();
            Configuration configuration = new Configuration()
                    .withLogging(Logging.WARN)
                    .withJdbc(new Jdbc()
                            .withDriver("org.postgresql.Driver")
                            .withUrl(pg.getJdbcUrl("postgres", "postgres"))
                            .withUser("postgres"))
                    .withGenerator(new Generator()
                            .withDatabase(new Database()
                                    .withName("org.jooq.meta.postgres.PostgresDatabase")
                                    .withInputSchema("public")
                                    .withOutputSchemaToDefault(true)
                                    .withExcludes("flyway_schema_history"))
                            .withGenerate(new Generate()
                                    .withGeneratedAnnotation(false)
                                    .withJavaTimeTypes(true)
                                    .withRecords(true)
                                    .withPojos(false)
                                    .withFluentSetters(true)
                                    .withComments(true))
                            .withTarget(new Target()
                                    .withPackageName(PACKAGE)
                                    .withDirectory(out.toString())
                                    .withClean(true)));
            GenerationTool.generate(configuration);
        }
        System.out.println("jOOQ classes written to " + out.resolve(PACKAGE.replace('.', '/')));
    }
}
