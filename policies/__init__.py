"""Data governance: the policy engine and the default documents compliance officers edit."""
