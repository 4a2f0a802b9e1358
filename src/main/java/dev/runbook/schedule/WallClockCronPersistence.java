package dev.runbook.schedule;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.TimeZone;
import org.quartz.TriggerKey;
import org.quartz.impl.jdbcjobstore.CronTriggerPersistenceDelegate;
import org.quartz.spi.OperableTrigger;

/**
 * Stores a {@link WallClockCronTrigger} in Quartz's cron table like any cron trigger, under a type
 * of its own, and loads it back as one (Quartz's delegate would load a plain cron trigger, and the
 * rules at daylight-saving changes would be lost on the first fire from the store). Named in the
 * job store's {@code driverDelegateInitString}.
 */
public final class WallClockCronPersistence extends CronTriggerPersistenceDelegate {
    static final String TYPE = "RB_CRON";

    @Override
    public String getHandledTriggerTypeDiscriminator() {
        return TYPE;
    }

    @Override
    public boolean canHandleTriggerType(OperableTrigger trigger) {
        return trigger instanceof WallClockCronTrigger;
    }

    @Override
    public TriggerPropertyBundle loadExtendedTriggerPropertiesFromResultSet(ResultSet rs, TriggerKey key) throws SQLException {
        // checks the row is there (and throws Quartz's own exception when not)
        super.loadExtendedTriggerPropertiesFromResultSet(rs, key);
        String zone = rs.getString(COL_TIME_ZONE_ID);
        return new TriggerPropertyBundle(new WallClockCronTrigger.Schedule(rs.getString(COL_CRON_EXPRESSION),
                zone == null ? TimeZone.getDefault() : TimeZone.getTimeZone(zone), null), null, null);
    }
}
