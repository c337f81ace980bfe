-- A team priority may hold until a date (a launch, an audit): the 90-day forecast reads it.
ALTER TABLE team_priority ADD COLUMN ends_on date;
