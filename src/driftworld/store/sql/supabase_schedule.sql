-- drift-tick on Supabase: pg_cron calls {target_text} with pg_net.
-- Needs the vault secret service_role_key (the bearer the service accepts), e.g.
--   select vault.create_secret('<service role key>', 'service_role_key');
create extension if not exists pg_net;
create extension if not exists pg_cron;

select cron.schedule(
  {job_name},
  {schedule},
  $job$
  select net.http_post(
    url := {target},
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets
                                     where name = 'service_role_key')
    ),
    body := jsonb_build_object('triggered_by', 'pg_cron'),
    timeout_milliseconds := 60000
  ) as request_id;
  $job$
);
