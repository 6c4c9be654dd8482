"""Files newsmon reads at run time (seed speech, curated terms and registry, chart font), installed as package data."""
