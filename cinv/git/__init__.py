"""git: records read from a commit without a checkout, commits made for a change, history and
other refs (gitstore), the values freed along the history that `auto` holds back (freed), and
what other branches hold for allocation (refheld).
"""
