"""The ``reform-etl`` subcommands, grouped by what they act on; :mod:`reform_etl.cli` registers them.

``common`` holds what they share; ``build`` loads and builds, ``landing`` fills the landing
folder, ``history`` looks back at deliveries, ``local`` runs the pieces on this machine.
"""
