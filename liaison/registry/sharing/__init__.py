"""How the registry's records travel between nodes, through the exchange's sharing contract.

`types.register()` (from RegistryConfig.ready) plugs in the record types; bodies and
appliers are in `records` (they write through the registry's actions); the share action
and the follow-up of changes are in `share`. This package imports nothing itself, so the
registry's actions (which share) and the appliers (which write through the actions) can
import each other's modules without a cycle.
"""
