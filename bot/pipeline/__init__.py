"""The sales pipeline (商机): the stage registry, deals, the funnel view and the stuck-deal alerts."""
