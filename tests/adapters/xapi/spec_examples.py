"""Statements from the xAPI specifications' own examples (xAPI 1.0.3, xAPI-Data.md, and
xAPI 2.0 / IEEE 9274.1.1), each named by the section it comes from. Test modules take deep
copies; nothing here is changed."""

from __future__ import annotations

from typing import Any

#: 1.0.3, Appendix A: "Example of a simple Statement".
SIMPLE: dict[str, Any] = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "timestamp": "2015-11-18T12:17:00+00:00",
    "actor": {
        "objectType": "Agent",
        "name": "Project Tin Can API",
        "mbox": "mailto:user@example.com",
    },
    "verb": {"id": "http://example.com/xapi/verbs#sent-a-statement", "display": {"en-US": "sent"}},
    "object": {
        "id": "http://example.com/xapi/activity/simplestatement",
        "definition": {
            "name": {"en-US": "simple statement"},
            "description": {"en-US": "A simple Experience API statement."},
        },
    },
}

#: 1.0.3, Appendix A: the long example, whose actor is an identified Group with members
#: and whose context has an instructor, a team and a StatementRef.
LONG_GROUP_ACTOR: dict[str, Any] = {
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "actor": {
        "name": "Team PB",
        "mbox": "mailto:teampb@example.com",
        "member": [
            {
                "name": "Andrew Downes",
                "account": {"homePage": "http://www.example.com", "name": "13936749"},
                "objectType": "Agent",
            },
            {
                "name": "Toby Nichols",
                "openid": "http://toby.openid.example.org/",
                "objectType": "Agent",
            },
            {
                "name": "Ena Hills",
                "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9",
                "objectType": "Agent",
            },
        ],
        "objectType": "Group",
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-GB": "attended", "en-US": "attended"},
    },
    "result": {
        "extensions": {
            "http://example.com/profiles/meetings/resultextensions/minuteslocation": (
                "X:\\meetings\\minutes\\examplemeeting.one"
            )
        },
        "success": True,
        "completion": True,
        "response": "We agreed on some example actions.",
        "duration": "PT1H0M0S",
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities": {
            "parent": [
                {"id": "http://www.example.com/meetings/series/267", "objectType": "Activity"}
            ],
            "category": [
                {
                    "id": "http://www.example.com/meetings/categories/teammeeting",
                    "objectType": "Activity",
                    "definition": {
                        "name": {"en": "team meeting"},
                        "description": {
                            "en": "A category of meeting used for regular team meetings."
                        },
                        "type": "http://example.com/expapi/activities/meetingcategory",
                    },
                }
            ],
            "other": [
                {
                    "id": "http://www.example.com/meetings/occurances/34257",
                    "objectType": "Activity",
                },
                {
                    "id": "http://www.example.com/meetings/occurances/3425567",
                    "objectType": "Activity",
                },
            ],
        },
        "instructor": {
            "name": "Andrew Downes",
            "account": {"homePage": "http://www.example.com", "name": "13936749"},
            "objectType": "Agent",
        },
        "team": {"name": "Team PB", "mbox": "mailto:teampb@example.com", "objectType": "Group"},
        "platform": "Example virtual meeting software",
        "language": "tlh",
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    },
    "timestamp": "2013-05-18T05:32:34.804+00:00",
    "stored": "2013-05-18T05:32:34.804+00:00",
    "authority": {
        "account": {"homePage": "http://cloud.scorm.com/", "name": "anonymous"},
        "objectType": "Agent",
    },
    "version": "1.0.0",
    "object": {
        "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {
            "extensions": {
                "http://example.com/profiles/meetings/activitydefinitionextensions/room": {
                    "name": "Kilby",
                    "id": "http://example.com/rooms/342",
                }
            },
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "type": "http://adlnet.gov/expapi/activities/meeting",
            "moreInfo": "http://virtualmeeting.example.com/345256",
        },
        "objectType": "Activity",
    },
}

#: 1.0.3, 2.4.4.3 (SubStatements): "I planned to visit 'Some Awesome Website'".
SUBSTATEMENT: dict[str, Any] = {
    "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
    "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
    "object": {
        "objectType": "SubStatement",
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/website",
            "definition": {"name": {"en-US": "Some Awesome Website"}},
        },
    },
}

#: 1.0.3, Appendix B: "Object is Group" (an identified Group with members).
GROUP_OBJECT: dict[str, Any] = {
    "name": "Example Group",
    "account": {"homePage": "http://example.com/homePage", "name": "GroupAccount"},
    "objectType": "Group",
    "member": [
        {"name": "Andrew Downes", "mbox": "mailto:andrew@example.com", "objectType": "Agent"},
        {
            "name": "Aaron Silvers",
            "openid": "http://aaron.openid.example.org",
            "objectType": "Agent",
        },
    ],
}

#: xAPI 2.0 (IEEE 9274.1.1), context: ``contextAgents`` / ``contextGroups`` as 2.0 defines them
#: (objectType, the agent or group, relevantTypes IRIs), with the participants the ADL 2.0
#: conformance suite uses; the IEEE text itself is not public, so this is not a verbatim copy.
CONTEXT_AGENTS_2: dict[str, Any] = {
    "contextAgents": [
        {
            "objectType": "contextAgent",
            "agent": {"objectType": "Agent", "mbox": "mailto:player-1@example.com"},
            "relevantTypes": ["https://example.com/xapi/roles/observer"],
        }
    ],
    "contextGroups": [
        {
            "objectType": "contextGroup",
            "group": {
                "objectType": "Group",
                "member": [{"objectType": "Agent", "mbox": "mailto:player-2@example.com"}],
            },
            "relevantTypes": ["https://example.com/xapi/roles/opponents"],
        }
    ],
}
