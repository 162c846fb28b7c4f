// The Azure Monitor exporter reports its own usage (statsbeat) to Microsoft from a timer. Tests never reach the
// internet, and such a timer outliving its test file breaks the next file in the same worker, so it is off for
// every test process. APPLICATIONINSIGHTS_STATSBEAT_DISABLED stops only the optional part; the legacy name stops all.
process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
