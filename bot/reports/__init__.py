"""Reports people look at: the charts of a report (funnel, forecast by month, activity by rep) as PNG."""
