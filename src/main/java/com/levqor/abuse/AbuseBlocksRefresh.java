package com.levqor.abuse;

import com.levqor.runtime.Duty;
import java.time.Duration;

/** Reloads this process's copy of the active abuse blocks every {@link AbuseBlocks#REFRESH_INTERVAL}, off the request path. */
public final class AbuseBlocksRefresh implements Duty {
    private final AbuseBlocks blocks;

    public AbuseBlocksRefresh(AbuseBlocks blocks) {
        this.blocks = blocks;
    }

    @Override
    public String name() {
        return "abuse-blocks-refresh";
    }

    @Override
    public Duration interval() {
        return AbuseBlocks.REFRESH_INTERVAL;
    }

    @Override
    public boolean runOnce() {
        blocks.refresh();
        return false;
    }
}
