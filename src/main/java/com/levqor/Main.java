package com.levqor;

import com.levqor.cli.AccountsCommand;
import com.levqor.runtime.Version;
import com.levqor.cli.BackupCommand;
import com.levqor.cli.BillingCommand;
import com.levqor.cli.CdsTrainingCommand;
import com.levqor.cli.DlqCommand;
import com.levqor.cli.EmailsCommand;
import com.levqor.cli.EnvCommand;
import com.levqor.cli.FlagsCommand;
import com.levqor.cli.IncidentCommand;
import com.levqor.cli.KeysCommand;
import com.levqor.cli.MaintenanceCommand;
import com.levqor.cli.MigrateCommand;
import com.levqor.cli.RestoreVerifyCommand;
import com.levqor.cli.ServeCommand;
import com.levqor.cli.WorkerCommand;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code levqor}: one jar, one entry point; {@code serve} is the default command. */
@Command(name = "levqor", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Levqor: a self-hosted job-orchestration API server.",
        subcommands = {ServeCommand.class, WorkerCommand.class, DlqCommand.class, MigrateCommand.class,
                AccountsCommand.class, KeysCommand.class, FlagsCommand.class, EmailsCommand.class,
                BillingCommand.class, BackupCommand.class, RestoreVerifyCommand.class, IncidentCommand.class,
                MaintenanceCommand.class, CdsTrainingCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    private final Map<String, String> env;

    Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), args));
    }

    /**
     * Runs the command line against the given environment and returns its exit status
     * (tests call this with an environment of their own).
     */
    public static int run(Map<String, String> env, String... args) {
        if (args.length == 0 || (args.length == 1 && "serve".equals(args[0]))) {
            return serve(env);
        }
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new Main(env), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K made = defaults.create(cls);
                if (made instanceof EnvCommand c) {
                    c.env = env;
                }
                return made;
            }
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("levqor: " + ex.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        int status = serve(env);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * {@code levqor} or {@code levqor serve} with no option: straight to {@link ServeCommand#serve},
     * without building picocli's model of every command (~0.2 s of a cold start). Errors as picocli's
     * handler above reports them: {@code levqor: message}, exit status 1.
     */
    private static int serve(Map<String, String> env) {
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return ServeCommand.serve(env, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("levqor: interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println("levqor: " + e.getMessage());
            return 1;
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"levqor " + Version.get()};
        }
    }
}
