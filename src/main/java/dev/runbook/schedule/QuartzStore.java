package dev.runbook.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.listeners.SchedulerListenerSupport;
import org.quartz.utils.DBConnectionManager;

/**
 * The daemon's Quartz scheduler, in memory or on the clustered JDBC store, and what its store
 * holds: the schedules given, each a {@link WallClockCronTrigger} whose job is a
 * {@link RunbookJob}. A cluster is Quartz's scheduler name: daemons of the same cluster share
 * triggers, those of another cluster on the same database never see them.
 */
final class QuartzStore {
    private static final String DATA_SOURCE = "runbook";

    private final Scheduler scheduler;

    QuartzStore(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    static QuartzStore create(Daemon.Settings settings, Daemon daemon) throws SchedulerException {
        if (settings.jdbc() != null) {
            DBConnectionManager.getInstance().addConnectionProvider(DATA_SOURCE,
                    new StorePool(settings.jdbc(), settings.node(), settings.threads() + 3));
        }
        Scheduler s = new StdSchedulerFactory(properties(settings)).getScheduler();
        s.setJobFactory((bundle, sched) -> new RunbookJob(daemon));
        s.getListenerManager().addSchedulerListener(new Errors(daemon));
        return new QuartzStore(s);
    }

    Scheduler scheduler() {
        return scheduler;
    }

    private static Properties properties(Daemon.Settings settings) {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", settings.cluster());
        p.setProperty("org.quartz.scheduler.instanceId", settings.node());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(settings.threads()));
        p.setProperty("org.quartz.jobStore.misfireThreshold", String.valueOf(settings.misfireAfter().toMillis()));
        if (settings.jdbc() == null) {
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
            return p;
        }
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.driverDelegateInitString", "triggerPersistenceDelegateClasses=" + WallClockCronPersistence.class.getName());
        p.setProperty("org.quartz.jobStore.tablePrefix", settings.jdbc().tablePrefix());
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(settings.checkin().toMillis()));
        // after PostgreSQL was away, how soon Quartz tries again (its default is 15 s)
        p.setProperty("org.quartz.jobStore.dbRetryInterval", String.valueOf(settings.checkin().toMillis()));
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
        return p;
    }

    /**
     * Makes the store hold exactly {@code set}; one phrase per change made ("added x"). A trigger
     * whose cron, zone and misfire policy are unchanged is left alone, so its next fire stays.
     */
    List<String> apply(ScheduleSet set) throws SchedulerException {
        return apply(set, false);
    }

    /** What {@link #apply} would change, changing nothing. */
    List<String> changes(ScheduleSet set) throws SchedulerException {
        return apply(set, true);
    }

    private List<String> apply(ScheduleSet set, boolean dryRun) throws SchedulerException {
        List<String> changes = new ArrayList<>();
        for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(Daemon.GROUP))) {
            if (set.get(key.getName()) == null) {
                if (!dryRun) {
                    scheduler.deleteJob(key);
                }
                changes.add("removed " + key.getName());
            }
        }
        for (Schedule s : set.all()) {
            TriggerKey tk = TriggerKey.triggerKey(s.id(), Daemon.GROUP);
            Trigger current = scheduler.getTrigger(tk);
            // compared as Quartz stores it: the zone '+01:00' comes back as the TimeZone 'GMT+01:00'
            if (current instanceof WallClockCronTrigger ct && ct.getCronExpression().equals(s.cron())
                    && ct.getTimeZone().getID().equals(TimeZone.getTimeZone(s.timeZone()).getID())
                    && ct.getMisfireInstruction() == misfire(s)) {
                continue;
            }
            JobDetail job = JobBuilder.newJob(RunbookJob.class).withIdentity(s.id(), Daemon.GROUP).storeDurably()
                    .withDescription("runbook " + s.runbook().getFileName()).build();
            Trigger t = TriggerBuilder.newTrigger().withIdentity(tk).forJob(job)
                    .withSchedule(new WallClockCronTrigger.Schedule(s.cron(), TimeZone.getTimeZone(s.timeZone()), misfire(s))).build();
            if (dryRun || store(job, t, current != null)) {
                changes.add((current == null ? "added " : "updated ") + s.id());
            }
        }
        return changes;
    }

    /**
     * Replaces only a trigger this node found. Two daemons of a fresh cluster starting at once are
     * kept apart by the cluster's lock ({@link ClusterMembers}); should one still find a trigger
     * stored by the other meanwhile, Quartz says so under its own lock, and it is left as it is:
     * replacing it would move its next fire back and fire times already fired again.
     *
     * @return whether this node stored it
     */
    private boolean store(JobDetail job, Trigger t, boolean replace) throws SchedulerException {
        try {
            scheduler.scheduleJob(job, Set.of(t), replace);
            return true;
        } catch (ObjectAlreadyExistsException e) {
            if (scheduler.getTrigger(t.getKey()) != null) {
                return false;
            }
            scheduler.scheduleJob(job, Set.of(t), true);  // a job left without its trigger
            return true;
        }
    }

    private static int misfire(Schedule s) {
        return s.misfire() == Schedule.Misfire.RUN_ONCE ? CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW
                : CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING;
    }

    /**
     * An error Quartz reports (it would log a stack trace, which the command turns off): one line,
     * the same one at most once a minute, none while the store is known to be unreachable (said already).
     */
    private static final class Errors extends SchedulerListenerSupport {
        private final Daemon daemon;
        private String last;
        private long lastAt;

        Errors(Daemon daemon) {
            this.daemon = daemon;
        }

        @Override
        public synchronized void schedulerError(String message, SchedulerException cause) {
            if (daemon.status() == Daemon.Status.DEGRADED || daemon.stopping()) {
                return;
            }
            Throwable root = cause;
            while (root.getCause() != null && !(root instanceof java.sql.SQLException)) {
                root = root.getCause();
            }
            Daemon.Jdbc jdbc = daemon.settings().jdbc();
            String line = message + ": " + (root instanceof java.sql.SQLException && jdbc != null ? StoreConnection.describe(jdbc, root)
                    : String.valueOf(root.getMessage()).lines().findFirst().orElse(""));
            if (line.equals(last) && System.nanoTime() - lastAt < 60_000_000_000L) {
                return;
            }
            last = line;
            lastAt = System.nanoTime();
            daemon.log("scheduler: " + line);
        }
    }
}
