"""The Scrapy project of newsmon: settings, items, middlewares and the extraction package."""
