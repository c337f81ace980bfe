"""Catalogue import: an organisation's own library (CSV, JSON, cmi5, SCORM, Common
Cartridge / LTI links) and skills framework (CSV, ESCO), brought in through the same
content-provider hook any plugin uses."""
