package com.levqor.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main code, read from the compiled classes: no cycle among packages, and
 * the leaf packages stay leaves. A cycle fails here with the classes that close it.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("com.levqor");
    }

    @Test
    void packagesAreFreeOfCycles() {
        // Each package under com.levqor is a slice (jobs, jobs.queue, http, …); the generated jOOQ code is left out.
        slices().matching("com.levqor.(**)").should().beFreeOfCycles()
                .ignoreDependency(com.tngtech.archunit.base.DescribedPredicate.alwaysTrue(),
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("com.levqor.db.jooq.."))
                .check(classes);
    }

    @Test
    void onlyTheRootAndTheCommandsBuildProcesses() {
        noClasses().that().resideOutsideOfPackages("com.levqor.app..", "com.levqor.cli..", "com.levqor")
                .should().dependOnClassesThat().resideInAPackage("com.levqor.app..")
                .check(classes);
    }

    @Test
    void leafPackagesImportNoDomainCode() {
        noClasses().that().resideInAnyPackage("com.levqor.api..", "com.levqor.crypto..", "com.levqor.jobs.model..",
                        "com.levqor.runtime..")
                .should().dependOnClassesThat().resideInAnyPackage("com.levqor.http..", "com.levqor.jobs",
                        "com.levqor.accounts..", "com.levqor.abuse..", "com.levqor.webhooks..", "com.levqor.app..")
                .check(classes);
    }

    @Test
    void domainCodeDoesNotImportTheHttpServer() {
        noClasses().that().resideInAnyPackage("com.levqor.jobs..", "com.levqor.accounts..", "com.levqor.abuse..",
                        "com.levqor.webhooks..", "com.levqor.edge..", "com.levqor.usage..")
                .should().dependOnClassesThat().resideInAPackage("com.levqor.http..")
                .check(classes);
    }
}
