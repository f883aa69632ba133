-- Intake writes a batch of jobs and charges each account's daily budget in one statement, committed
-- on its own (one round trip instead of three, and the usage row is locked only for the commit). The
-- statement ends with levqor_assert(every new total within its budget): when an account would go
-- over, it fails with SQLSTATE LQ402 and everything it wrote is rolled back; intake then redoes the
-- batch request by request with the usage rows locked first (Intake.commit, lockFirst).
create function levqor_assert(ok boolean, message text) returns boolean
language plpgsql as $$
begin
  if not ok then
    raise exception using errcode = 'LQ402', message = message;
  end if;
  return true;
end
$$;
