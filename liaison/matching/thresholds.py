"""Every operating threshold of the matcher, named in one place.

A score means the same thing wherever it is compared with one of these: the rest of the
code imports them instead of writing the number again. Each says what it is for and where
it was measured. The calibration table (observed precision per score band on the dev set,
by kind) is `python bench/matching.py --calibration`; docs/matching.md, "Calibration",
publishes it and shows where each threshold falls.

Changing a value here changes behaviour: run `bench/matching.py` and tests/matching before
and after, and give the algorithm a new version if name scores move.
"""

from __future__ import annotations

# --- Decisions on a compare() score (identity: name moved by date, sex, nationality) ---

# Search and person lookup, precision first: a full name is the person at this score or
# more. Best F1 over ar-lat and lat-lat together is reached at 0.862 on the dev set
# (bench/matching.py), where each kind also reaches precision 0.95.
SEARCH_THRESHOLD = 0.86
# Screening (accreditation lists, the `liaison screen` CLI), recall first: every candidate
# is reviewed by an officer. At 0.80 a different person sharing one part and a similar
# second part can appear; bench/screening.py measures blocking recall at this value.
SCREENING_THRESHOLD = 0.80

# --- Person lookup (lookup.py) ---

# A query that names the whole person is accepted at the search threshold.
LOOKUP_FULL_THRESHOLD = SEARCH_THRESHOLD
# A query part is found in the record when one of its parts is at least this similar (part
# similarity, not a compare score): the same cut as the search threshold, so a part that
# lookup finds is one that search would accept alone. Case table: tests/matching/test_lookup.py.
LOOKUP_PART_THRESHOLD = 0.86

# --- Persons named in free text (mentions.py) ---

# A span is a mention at lookup's search threshold: a suggestion must be precise. Compared
# with lookup's score (0.90 x the name score for a full name, before dates): without a
# date of birth a name score of about 0.96, the top band of the calibration table.
MENTION_THRESHOLD = SEARCH_THRESHOLD
# A name with an initial ("Y. ALAOUI") scores at most 0.9 x 0.95 there: it is a mention from
# this score, for each person the initial fits (the analyst tells them apart). The value
# of the screening threshold, chosen apart from it (bench/entities.py, "initial" kind).
MENTION_INITIAL_THRESHOLD = 0.80

# --- Caps and cuts inside the name comparison (names.py, screen/estimate.py's bound) ---

# Known-as: a short form (a kunya "Abu X", or two of five parts) whose every part is in
# the full name scores at most KNOWN_AS_SCORE x the mean of its pairs: above the screening
# threshold (a candidate to review), below the search one (not a search match on the name
# alone). Each of its parts must be KNOWN_AS_PART_MIN similar. Case table: "Issue 15"
# rows of tests/matching/test_name_cases.py.
KNOWN_AS_SCORE = 0.82
KNOWN_AS_PART_MIN = 0.86
# Relatives: the first given names paired below RELATIVE_FIRST_MAX and every other pair
# RELATIVE_CHAIN_MIN or more (a brother or a cousin: the same father's and family names)
# caps the name score at RELATIVE_SCORE: below screening alone; with the same full date
# of birth (+0.08) a screening candidate, never a search match.
RELATIVE_FIRST_MAX = 0.6
RELATIVE_CHAIN_MIN = 0.86
RELATIVE_SCORE = 0.73
