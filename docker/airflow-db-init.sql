-- Runs once, when the airflow-db volume is first initialised: Metabase keeps its own
-- settings (users, questions, the warehouse connection) in a database of its own,
-- never inside Airflow's metadata.
create database metabase;
