"""xAPI 1.0.3 intake: the statements resource LMSs and LRS forwarders push to, and pulls
from other LRSs. Protocol logic is framework-free; ``flask.py`` is the only web glue and
``plugin.py`` registers everything through learnwire's hooks."""
