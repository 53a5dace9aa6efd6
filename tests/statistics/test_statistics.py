"""lrs.plugin.statistics against results computed by hand or published in textbooks."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lrs.plugin.statistics import (
    KaplanMeier,
    compare_durations,
    compare_proportions,
    kaplan_meier,
    verdict,
)

# Freireich et al. (1963), remission times in weeks of 21 leukaemia patients treated with
# 6-mercaptopurine and 21 given a placebo; the standard example of Kleinbaum & Klein,
# "Survival Analysis: A Self-Learning Text" (3rd ed., chapter 2), and of Cox (1972).
SIX_MP = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
#: 1: relapsed at that week; 0: still in remission when last seen (censored).
SIX_MP_RELAPSED = [flag == "1" for flag in "111010100110001100000"]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_kaplan_meier_of_a_small_example_computed_by_hand() -> None:
    """Six people; days to attainment 2, 3+, 4, 4, 6+, 8 (``+``: not attained yet).

    ==== ======= ====== ======== ===========================
    day  at risk events censored survival
    ==== ======= ====== ======== ===========================
    2    6       1      0        5/6             = 0.8333
    3    5       0      1        0.8333
    4    4       2      0        0.8333 * 2/4    = 0.4167
    6    2       0      1        0.4167
    8    1       1      0        0.4167 * 0/1    = 0
    ==== ======= ====== ======== ===========================

    The survival first falls to 0.75 or below, and to 0.5 or below, on day 4 (25th and
    50th percentiles); it reaches 0.25 or below on day 8 (75th).
    """
    km = kaplan_meier([2, 3, 4, 4, 6, 8], [True, False, True, True, False, True])

    assert (km.n, km.events, km.censored) == (6, 4, 2)
    assert [(p.time, p.at_risk, p.events, p.censored) for p in km.curve] == [
        (2, 6, 1, 0),
        (3, 5, 0, 1),
        (4, 4, 2, 0),
        (6, 2, 0, 1),
        (8, 1, 1, 0),
    ]
    assert [p.survival for p in km.curve] == pytest.approx([5 / 6, 5 / 6, 5 / 12, 5 / 12, 0])
    assert km.median == 4
    assert [p.time for p in km.percentiles] == [4, 4, 8]
    # The variance is undefined where the survival is 0: no interval, not a NaN.
    assert km.curve[-1].lower is None and km.curve[-1].upper is None
    assert km.curve[0].lower < 5 / 6 < km.curve[0].upper


def test_kaplan_meier_matches_the_textbook_curve_of_the_6_mp_group() -> None:
    """Kleinbaum & Klein, table 2.3: S(6) = 0.857, S(7) = 0.807, S(10) = 0.753,
    S(13) = 0.690, S(16) = 0.627, S(22) = 0.538, S(23) = 0.448; the median is 23 weeks,
    and the 75th percentile is not reached (the curve ends at 0.448)."""
    km = kaplan_meier(SIX_MP, SIX_MP_RELAPSED)

    drops = {p.time: round(p.survival, 3) for p in km.curve if p.events}
    assert drops == {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    assert km.median == 23
    assert km.percentile(25).time == 13
    assert km.percentile(75) == dataclasses.replace(km.percentile(75), time=None)
    # The median's interval: the log-log bounds of the curve cross 0.5 at 13 and never.
    assert (km.percentile(50).lower, km.percentile(50).upper) == (13, None)


def test_median_without_censoring_is_the_sample_median() -> None:
    """With every duration observed the survival is exactly 0.5 between the 2nd and 3rd
    of four durations: the median is their midpoint, like the ordinary median."""
    km = kaplan_meier([1, 2, 3, 4], [True] * 4)

    assert km.median == 2.5
    assert [p.time for p in km.percentiles] == [1.5, 2.5, 3.5]


def test_everyone_censored_reaches_no_percentile() -> None:
    km = kaplan_meier([3, 5], [False, False])

    assert km.median is None
    assert [p.survival for p in km.curve] == [1, 1]


@pytest.mark.parametrize(
    ("durations", "observed", "message"),
    [
        ([], [], "no durations"),
        ([1, 2], [True], "differ in length"),
        ([-1], [True], "not negative"),
        ([float("nan")], [True], "finite"),
    ],
)
def test_kaplan_meier_rejects_bad_input_with_a_reason(
    durations: list[float], observed: list[bool], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(durations, observed)


def test_log_rank_of_6_mp_against_placebo_matches_the_textbook() -> None:
    """Kleinbaum & Klein, chapter 2: log-rank chi-square 16.79 (1 df), p < 0.0001;
    medians 23 weeks (6-MP) and 8 weeks (placebo)."""
    result = compare_durations(SIX_MP, PLACEBO, observed_a=SIX_MP_RELAPSED)

    assert result.test == "log-rank"
    assert result.statistic**2 == pytest.approx(16.79, abs=0.005)
    assert result.p_value == pytest.approx(4.17e-5, rel=0.01)
    assert (result.median_a, result.median_b) == (23, 8)
    assert result.median_difference == 15
    assert result.relative_difference == pytest.approx(15 / 8)
    assert (result.n_a, result.n_b, result.events_a, result.events_b) == (21, 21, 9, 21)
    assert result.verdict.conclusion == "significant"


def test_complete_durations_are_compared_with_the_mann_whitney_rank_test() -> None:
    """Ten against ten with no overlap: U = 0. Over 8 people per group scipy uses the
    normal approximation with continuity correction: mean 10 * 10 / 2 = 50, standard
    deviation sqrt(10 * 10 * 21 / 12) = 13.2288, z = (0 - 50 + 0.5) / 13.2288 = -3.7418,
    two-sided p = 2 * Phi(-3.7418) = 0.000183."""
    fast = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    slow = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]

    result = compare_durations(fast, slow)

    assert result.test == "mann-whitney"
    assert result.statistic == 0
    assert result.p_value == pytest.approx(0.000183, abs=1e-6)
    assert (result.median_a, result.median_b) == (5.5, 15.5)
    assert result.relative_difference == pytest.approx(-10 / 15.5)
    assert result.verdict.conclusion == "significant"


def test_durations_of_too_few_people_conclude_nothing_whatever_the_p_value() -> None:
    """Three against three with no overlap: U = 0, exact p = 2 / C(6, 3) = 0.1."""
    result = compare_durations([1, 2, 3], [4, 5, 6])

    assert result.p_value == pytest.approx(0.1)
    assert result.verdict.conclusion == "too_few"
    assert "group a has 3 people, at least 10" in result.verdict.text


def test_log_rank_with_too_few_events_concludes_nothing() -> None:
    result = compare_durations(
        [1, 2] + [30] * 10,
        [40] * 12,
        observed_a=[True, True] + [False] * 10,
        observed_b=[True, True] + [False] * 10,
    )

    assert result.test == "log-rank"
    assert result.verdict.conclusion == "too_few"
    assert "only 4 of the people had the event" in result.verdict.text
    assert result.median_a is None and result.median_difference is None


@pytest.mark.parametrize(
    ("counts", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0),
        ((10, 10, 0, 10), 0.6075, 1.0),
    ],
)
def test_difference_interval_matches_newcombes_published_values(
    counts: tuple[int, int, int, int], lower: float, upper: float
) -> None:
    result = compare_proportions(*counts)

    assert (round(result.lower, 4), round(result.upper, 4)) == (lower, upper)


def test_two_proportion_z_test_computed_by_hand() -> None:
    """56/70 = 0.8 against 48/80 = 0.6: pooled rate 104/150, standard error
    sqrt(104/150 * 46/150 * (1/70 + 1/80)) = 0.075467, z = 0.2 / 0.075467 = 2.6502,
    two-sided p = 2 * (1 - Phi(2.6502)) = 0.00804. All expected counts are at least 5."""
    result = compare_proportions(56, 70, 48, 80)

    assert result.difference == pytest.approx(0.2)
    assert result.z_statistic == pytest.approx(2.6502, abs=1e-4)
    assert result.z_p_value == pytest.approx(0.00804, abs=1e-5)
    assert result.test == "z" and result.p_value == result.z_p_value
    assert result.verdict.conclusion == "significant"


def test_small_expected_counts_use_fishers_exact_test() -> None:
    """9/10 against 3/10: expected successes 6 and failures 4 (< 5), so the verdict uses
    Fisher's exact test. Hypergeometric, 12 successes among 20, 10 in group a:
    P(a has 9 or more, or 3 or fewer) = 2 * (C(12,9)C(8,1) + C(12,10)) / C(20,10)
    = 2 * (1760 + 66) / 184756 = 0.019767."""
    result = compare_proportions(9, 10, 3, 10)

    assert result.test == "fisher-exact"
    assert result.fisher_p_value == pytest.approx(3652 / 184756)
    assert result.p_value == result.fisher_p_value
    assert result.verdict.conclusion == "significant"


def test_rates_of_zero_in_both_groups_have_no_z_test() -> None:
    result = compare_proportions(0, 12, 0, 15)

    assert result.z_statistic is None and result.z_p_value is None
    assert result.p_value == 1.0
    assert result.verdict.conclusion == "not_significant"


def test_proportions_of_too_few_people_conclude_nothing() -> None:
    result = compare_proportions(6, 7, 2, 7)

    assert result.verdict.conclusion == "too_few"
    assert result.verdict.text.startswith("Too few people to conclude")


@pytest.mark.parametrize("counts", [(1, 0, 1, 5), (6, 5, 1, 5), (-1, 5, 1, 5)])
def test_impossible_counts_are_refused(counts: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError, match="successes <= n"):
        compare_proportions(*counts)


def test_verdict_reads_at_the_given_alpha() -> None:
    assert verdict(0.03, 0.05).conclusion == "significant"
    assert verdict(0.03, 0.01).conclusion == "not_significant"
    assert "0.03" in verdict(0.03, 0.01).text


def test_results_serialise_to_json_as_plain_numbers() -> None:
    """Plugins return these through JSON APIs: no numpy scalar may leak into them."""
    km: KaplanMeier = kaplan_meier(SIX_MP, SIX_MP_RELAPSED)
    for result in (
        km,
        compare_durations(SIX_MP, PLACEBO, observed_a=SIX_MP_RELAPSED),
        compare_durations(SIX_MP, PLACEBO),
        compare_proportions(9, 10, 3, 10),
    ):
        json.dumps(dataclasses.asdict(result))
