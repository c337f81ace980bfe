"""Policy documents: the defaults load; malformed and hostile documents are refused with
file, line and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnwire.policies import documents
from learnwire.policies.validation import (
    DEFAULTS_DIR,
    PolicyInvalid,
    check_directory,
    load_directory,
)


def _problems(directory: Path) -> list[str]:
    loaded, problems = check_directory(directory)
    assert loaded is None, "expected the directory to be refused"
    return [str(p) for p in problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_validation_shipped_defaults_are_valid_and_complete():
    loaded = load_directory(DEFAULTS_DIR)
    policy = loaded.policy
    assert policy.k == 5
    assert len(policy.categories) == 8
    assert not policy.serves("behavioural", "performance_evaluation")
    assert policy.serves("calendar", "development_recommendation")
    assert policy.categories["calendar"].retention.period.days == 14
    assert policy.categories["behavioural"].retention.period.days == 180
    assert policy.categories["assessment"].retention.period.days == 3 * 365


def test_validation_wrong_type_names_file_line_and_expectation(policy_copy):
    _edit(policy_copy / "access.yaml", "min_group_size: 5", "min_group_size: five")
    [problem] = _problems(policy_copy)
    line = next(
        i
        for i, text in enumerate((policy_copy / "access.yaml").read_text().splitlines(), 1)
        if "min_group_size: five" in text
    )
    assert problem.startswith(f"access.yaml:{line} at k_anonymity.min_group_size:")
    assert "found text;" in problem and "whole number from 2 to 1000" in problem
    assert "five" not in problem, "the value found is named by its line, never quoted"


def test_validation_unknown_category_is_refused_with_the_known_ones(policy_copy):
    _edit(policy_copy / "categories.yaml", "  derived:\n", "  biometric:\n")
    problems = _problems(policy_copy)
    assert any("unknown name;" in p and "behavioural, assessment" in p for p in problems)
    assert not any("biometric" in p for p in problems)
    assert all(p.startswith("categories.yaml:") for p in problems)


def test_validation_missing_category_and_unknown_purpose_are_cross_checked(policy_copy):
    _edit(
        policy_copy / "categories.yaml",
        "purposes: [development_recommendation]\n\n  career",
        "purposes: [development_recommendation, marketing]\n\n  career",
    )
    [problem] = _problems(policy_copy)
    assert "unknown purpose;" in problem and "marketing" not in problem
    assert problem.startswith("categories.yaml:") and "performance.purposes.[1]" in problem


def test_validation_learning_data_for_performance_evaluation_needs_two_explicit_changes(
    policy_copy,
):
    categories = policy_copy / "categories.yaml"
    _edit(
        categories,
        "purposes: [development_recommendation, manager_team_view, learning_analytics]",
        "purposes: [development_recommendation, manager_team_view, learning_analytics, "
        "performance_evaluation]",
    )
    [problem] = _problems(policy_copy)
    assert "learning_data: denied" in problem
    _edit(
        policy_copy / "purposes.yaml",
        "Learning data is NOT available for this purpose.\n    learning_data: denied",
        "Allowed by decision 2026-11.\n    learning_data: allowed",
    )
    policy = load_directory(policy_copy).policy
    assert policy.serves("behavioural", "performance_evaluation")


def test_validation_unknown_key_lists_the_allowed_keys(policy_copy):
    _edit(
        policy_copy / "families.yaml", "    opt_out: false", "    opt_out: false\n    optout: true"
    )
    [problem] = _problems(policy_copy)
    assert "unknown key;" in problem and "opt_out" in problem and "optout" not in problem
    line = (policy_copy / "families.yaml").read_text().splitlines().index("    optout: true") + 1
    assert problem.startswith(f"families.yaml:{line} ")
    assert problem.startswith("families.yaml:")


def test_validation_section_in_two_files_is_refused(policy_copy):
    (policy_copy / "zz-extra.yaml").write_text(
        "learnwire_policy: 1\nk_anonymity:\n  min_group_size: 3\n"
    )
    [problem] = _problems(policy_copy)
    assert problem.startswith("zz-extra.yaml:2") and "already defined in access.yaml" in problem


def test_validation_billion_laughs_is_refused_without_expanding(policy_copy):
    lines = [
        "learnwire_policy: 1",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    (policy_copy / "bomb.yaml").write_text("\n".join(lines) + "\n")
    [problem] = _problems(policy_copy)
    assert problem.startswith("bomb.yaml:") and "aliases" in problem


def test_validation_expansion_is_measured_even_with_few_aliases(tmp_path):
    # 20 aliases, each doubling: few aliases, a huge expanded document.
    lines = ["learnwire_policy: 1", "x0: &x0 [" + ",".join(["1"] * 64) + "]"]
    for i in range(1, 21):
        lines.append(f"x{i}: &x{i} [*x{i - 1}, *x{i - 1}]")
    doc, problem = documents.parse_text("wide.yaml", "\n".join(lines))
    assert doc is None and problem is not None
    assert "expands to more than" in problem.message


def test_validation_recursive_alias_and_deep_nesting_are_refused():
    _, recursive = documents.parse_text("loop.yaml", "learnwire_policy: 1\nx: &x [1, *x]\n")
    assert recursive is not None and "contains it" in recursive.message
    _, deep = documents.parse_text("deep.yaml", "x: " + "[" * 200 + "]" * 200)
    assert deep is not None and "nested deeper" in deep.message


def test_validation_huge_file_is_refused_before_parsing(policy_copy):
    (policy_copy / "huge.yaml").write_text("# " + "x" * (documents.MAX_FILE_BYTES + 10) + "\n")
    [problem] = _problems(policy_copy)
    assert problem.startswith("huge.yaml") and "capped at 256 KiB" in problem


def test_validation_duplicate_keys_and_broken_yaml_are_located(policy_copy):
    (policy_copy / "dup.yaml").write_text("learnwire_policy: 1\nlearnwire_policy: 1\n")
    (policy_copy / "zbroken.yaml").write_text("learnwire_policy: 1\nroles: [\n")
    problems = _problems(policy_copy)
    assert any(p.startswith("dup.yaml:2") and "appears twice" in p for p in problems)
    assert any(p.startswith("zbroken.yaml:") and "not valid YAML" in p for p in problems)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("- just\n- a list\n", "expected a mapping"),
        ("", "empty document"),
        ("learnwire_policy: 2\n", "expected 1"),
        ("!!python/object:os.system {}\n", "not valid YAML"),
        ("k_anonymity: {min_group_size: 5}\n", "missing key 'learnwire_policy'"),
    ],
)
def test_validation_malformed_single_documents(tmp_path, text, expected):
    (tmp_path / "doc.yaml").write_text(text)
    problems = _problems(tmp_path)
    assert any(expected in p for p in problems), problems


def test_validation_load_raises_with_every_problem(policy_copy):
    _edit(policy_copy / "access.yaml", "whose: team", "whose: everybody")
    with pytest.raises(PolicyInvalid) as caught:
        load_directory(policy_copy)
    assert "access.yaml:" in str(caught.value) and "self, team, anyone" in str(caught.value)


def test_validation_processor_with_unknown_purpose_points_at_its_line(policy_copy):
    _edit(policy_copy / "processors.yaml", "purpose: external_processing", "purpose: profiling")
    [problem] = _problems(policy_copy)
    assert problem.startswith("processors.yaml:") and "processors.anthropic.purpose" in problem
    assert "unknown purpose;" in problem and "profiling" not in problem


def test_validation_policies_can_name_every_hr_fact_type():
    # A compliance officer dropping or scoping an HR fact type must be able to name each
    # one a source can write, and only those.
    import json

    from learnwire.core.models import HrFactType

    schema = json.loads((Path(documents.__file__).parent / "schema.json").read_text())
    assert set(schema["$defs"]["fact_types"]["items"]["enum"]) == {t.value for t in HrFactType}


def test_validation_a_source_may_drop_the_job_history_fact_types(policy_copy):
    _edit(policy_copy / "intake.yaml", "drop_fact_types: []",
          "drop_fact_types: [previous_job_profile, job_profile_start]")  # fmt: skip
    load_directory(policy_copy)
