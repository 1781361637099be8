package io.github.iipservlet.web;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.appender.SyslogAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.net.Facility;

/**
 * iipsrv's VERBOSITY and LOGFILE applied to the webapp's Log4j 2 context, on top of whatever
 * log4j2.xml configured (the bundled one logs to the console; a container-wide one may be used
 * instead: config/log4j2.xml is an example). VERBOSITY 0 is off, 1 info, 2 debug (with one line
 * per request and its time, {@link RequestLogFilter}), 3 and more trace; it applies to our own
 * packages. LOGFILE, when set, adds a file (or "syslog": the local syslog daemon over UDP 514)
 * that also receives spymemcached's and Ehcache's lines (at the levels log4j2.xml gives them).
 * The webapp's settings are undone when it stops: containers (and the tests) may share one
 * Log4j context between webapps. Where the container provides the Log4j API itself (WildFly's
 * log manager), its logging subsystem decides instead.
 */
final class Logging implements AutoCloseable {
    static final String PACKAGE = "io.github.iipservlet";
    /** Libraries whose lines also belong in LOGFILE (their levels are log4j2.xml's). */
    private static final String[] LIBRARIES = {"net.spy.memcached", "org.ehcache"};
    private static final String APPENDER = "iip-servlet-LOGFILE";

    private final LoggerContext context;
    private final Appender appender;
    private final Level previousLevel;
    private final boolean addedLogger;

    private Logging(LoggerContext context, Appender appender, Level previousLevel, boolean addedLogger) {
        this.context = context;
        this.appender = appender;
        this.previousLevel = previousLevel;
        this.addedLogger = addedLogger;
    }

    static Level level(int verbosity) {
        return verbosity <= 0 ? Level.OFF : verbosity == 1 ? Level.INFO : verbosity == 2 ? Level.DEBUG : Level.TRACE;
    }

    /**
     * @param verbosity VERBOSITY
     * @param logFile   LOGFILE when it was configured, else null (iipsrv's default /tmp/iipsrv.log is
     *                  not written unless asked for: a container has its own logs)
     */
    static Logging apply(int verbosity, String logFile) {
        if (!(LogManager.getContext(Logging.class.getClassLoader(), false) instanceof LoggerContext ctx)) {
            // WildFly routes the Log4j API to its own log manager (measured: a JBossLoggerContext):
            // levels and files are then the server's logging subsystem's to set.
            LogManager.getLogger(Logging.class).info("VERBOSITY and LOGFILE are left to the container's log"
                    + " manager ({})", LogManager.getContext(false).getClass().getName());
            return new Logging(null, null, null, false);
        }
        Configuration cfg = ctx.getConfiguration();
        LoggerConfig existing = cfg.getLoggers().get(PACKAGE);
        boolean added = existing == null;
        Level previous = added ? null : existing.getLevel();
        LoggerConfig ours = added ? new LoggerConfig(PACKAGE, level(verbosity), true) : existing;
        ours.setLevel(level(verbosity));
        if (added) {
            cfg.addLogger(PACKAGE, ours);
        }
        Appender appender = null;
        if (logFile != null && !logFile.isBlank()) {
            PatternLayout layout = PatternLayout.newBuilder().withConfiguration(cfg)
                    .withPattern("%d{ISO8601} %-5level [%t] %c{1} - %msg%n").build();
            appender = logFile.trim().equalsIgnoreCase("syslog")
                    ? SyslogAppender.newSyslogAppenderBuilder().setName(APPENDER).setHost("localhost").setPort(514)
                            .setProtocol(org.apache.logging.log4j.core.net.Protocol.UDP).setFacility(Facility.LOCAL0)
                            .setAppName("iip-servlet").setConfiguration(cfg).build()
                    : FileAppender.newBuilder().setName(APPENDER).withFileName(logFile.trim()).withAppend(true)
                            .setLayout(layout).setConfiguration(cfg).build();
            if (appender != null) {
                appender.start();
                cfg.addAppender(appender);
                ours.addAppender(appender, null, null);
                for (String library : LIBRARIES) {
                    LoggerConfig lib = cfg.getLoggers().get(library);
                    if (lib != null && verbosity > 0) {
                        lib.addAppender(appender, null, null);
                    }
                }
            }
        }
        ctx.updateLoggers();
        return new Logging(ctx, appender, previous, added);
    }

    @Override
    public void close() {
        if (context == null) {
            return;
        }
        Configuration cfg = context.getConfiguration();
        LoggerConfig ours = cfg.getLoggers().get(PACKAGE);
        if (ours != null) {
            if (appender != null) {
                ours.removeAppender(appender.getName());
            }
            if (addedLogger) {
                cfg.removeLogger(PACKAGE);
            } else {
                ours.setLevel(previousLevel);
            }
        }
        if (appender != null) {
            for (String library : LIBRARIES) {
                LoggerConfig lib = cfg.getLoggers().get(library);
                if (lib != null) {
                    lib.removeAppender(appender.getName());
                }
            }
            appender.stop();
        }
        context.updateLoggers();
    }
}
