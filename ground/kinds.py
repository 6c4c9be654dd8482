"""The kinds of article attribution tells apart (the words `--kind` and the dashboard accept)."""

KINDS = ("speech_full_text", "speech_excerpt", "speech_report", "press_conference", "policy_document", "news")
