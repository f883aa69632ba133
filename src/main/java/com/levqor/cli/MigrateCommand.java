package com.levqor.cli;

import com.levqor.config.Settings;
import com.levqor.db.Database;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code levqor migrate}: applies pending migrations and exits. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply pending database migrations.")
public final class MigrateCommand extends EnvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Settings settings = Cli.settings(env, spec.commandLine().getErr());
        if (settings == null) {
            return Cli.badConfig();
        }
        try (Database db = Database.open(settings.database(), null)) {
            int ran = db.migrate();
            spec.commandLine().getOut().println("Applied " + ran + " migration(s); the schema is up to date ("
                    + db.description() + ").");
        }
        return 0;
    }
}
