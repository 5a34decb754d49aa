// SPDX-License-Identifier: LGPL-2.1-or-later
/* Poststop's options and decisions, and the teardown steps that run before
 * the tracer is opened (no root, no BPF needed): which state it refuses. */
#include "check.h"
#include "policy-config.h"
#include "policy.h"
#include "run-teardown.h"
#include "tmp_rundir.h"

static void parse_config(const char *text, struct config *ret)
{
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(config_parse(text, strlen(text), ret, &why), 0);
}

TEST(options_default)
{
	struct config cfg = {};
	struct teardown_opts o;

	parse_config("{}", &cfg);
	teardown_opts_from_config(&cfg, -1, false, &o);
	CHECK_EQ_INT(o.wait_ms, TEARDOWN_WAIT_MS_DEFAULT);
	CHECK(!o.report_only);
	CHECK(o.report_dir == NULL); /* <run dir>/reports */
	CHECK(o.by == NULL);         /* "poststop" in the report */
	CHECK(!o.list_freed);
	CHECK(o.only_cgroup_id == 0);
	CHECK(o.host_keep == &cfg.keep);
	CHECK_EQ_INT(o.host_keep->n, 0);
	config_done(&cfg);
}

TEST(options_from_config_and_arguments)
{
	struct config cfg = {};
	struct teardown_opts o;

	parse_config("{\"wait_ms\":500,\"report_dir\":\"/var/lib/bpfreaper/reports\",\"report_freed\":\"list\","
		     "\"keep\":[\"/sys/fs/bpf/agent/*\"]}", &cfg);
	teardown_opts_from_config(&cfg, -1, false, &o);
	CHECK_EQ_INT(o.wait_ms, 500);
	CHECK_EQ_STR(o.report_dir, "/var/lib/bpfreaper/reports");
	CHECK(o.list_freed);
	CHECK_EQ_STR(keep_rules_match(o.host_keep, "/sys/fs/bpf/agent/m"), "/sys/fs/bpf/agent/*");
	/* The command line wins: --wait-ms=0 is no wait, not "unset". */
	teardown_opts_from_config(&cfg, 0, true, &o);
	CHECK_EQ_INT(o.wait_ms, 0);
	CHECK(o.report_only);
	config_done(&cfg);
	/* wait_ms 0 in the file is a choice too, not the default. */
	parse_config("{\"wait_ms\":0}", &cfg);
	teardown_opts_from_config(&cfg, -1, false, &o);
	CHECK_EQ_INT(o.wait_ms, 0);
	config_done(&cfg);
}

/* What container_teardown() asks the policy with its options: the state's
 * mode removes unless --report-only, and the config's rules keep beside the
 * state's. */
TEST(options_decide_with_the_state)
{
	struct container_state s = { .mode = MODE_ENFORCE };
	struct config cfg = {};
	struct teardown_opts o;
	struct policy p;
	struct br_error why = BR_ERROR_INIT;

	parse_config("{\"mode\":\"report\",\"keep\":[\"/sys/fs/bpf/host/*\"]}", &cfg);
	CHECK_EQ_INT(keep_rules_add(&s.keep, "/sys/fs/bpf/app/*", &why), 0);
	/* The state's mode, not the config's now: enforce was decided at prestart. */
	teardown_opts_from_config(&cfg, -1, false, &o);
	CHECK_EQ_INT(policy_of_state(&s, o.host_keep, o.report_only, &p), 0);
	CHECK(policy_removes(&p));
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/host/x"), "/sys/fs/bpf/host/*");
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/app/x"), "/sys/fs/bpf/app/*");
	CHECK(policy_keeps(&p, "/sys/fs/bpf/x") == NULL);
	policy_done(&p);
	teardown_opts_from_config(&cfg, -1, true, &o);
	CHECK_EQ_INT(policy_of_state(&s, o.host_keep, o.report_only, &p), 0);
	CHECK(!policy_removes(&p));
	policy_done(&p);
	keep_rules_done(&s.keep);
	config_done(&cfg);
}

/* No state, a state that is not one, a state of another run: each refused
 * at the state step, before the tracer, and the state is left in place. */
TEST(refused_at_the_state)
{
	char dir[] = "/tmp/bpfreaper-unit.XXXXXX";
	struct container_state s = { .id = "web-1", .cgroup_id = 41, .cgroup_path = "/sys/fs/cgroup/web-1",
				     .runtime_status = "creating", .mode = MODE_ENFORCE };
	struct teardown_opts o = { .wait_ms = 0 };
	struct teardown_result res = {};
	struct rundir rd;
	struct br_error err = BR_ERROR_INIT;
	int fd;

	tmp_rundir_open(dir, &rd);
	CHECK_EQ_INT(container_teardown("web-1", 0, &o, &res, &err), -ENOENT);
	CHECK_EQ_INT(err.step, BR_STEP_STATE_READ);
	CHECK_EQ_INT(err.code, -ENOENT);

	CHECK_EQ_INT(state_write(&rd, &s), 0);
	o.only_cgroup_id = 42; /* gc saw run 42 gone; run 41 holds the name now */
	br_error_clear(&err);
	CHECK_EQ_INT(container_teardown("web-1", 0, &o, &res, &err), -ESTALE);
	CHECK_EQ_INT(err.step, BR_STEP_STATE_READ);
	CHECK_EQ_STR(err.detail, "a new run of the container took the id's state");
	CHECK_EQ_INT(faccessat(rd.state_fd, "web-1.json", F_OK, 0), 0);

	fd = openat(rd.state_fd, "web-1.json", O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, "{\"version\":", 11), 11);
	close(fd);
	o.only_cgroup_id = 0;
	br_error_clear(&err);
	CHECK_EQ_INT(container_teardown("web-1", 0, &o, &res, &err), -EBADMSG);
	CHECK_EQ_INT(err.step, BR_STEP_STATE_READ);
	CHECK(*err.detail);
	CHECK_EQ_INT(faccessat(rd.state_fd, "web-1.json", F_OK, 0), 0);
	CHECK_EQ_INT(unlinkat(rd.state_fd, "web-1.json", 0), 0);
	tmp_rundir_remove(dir, &rd);
}
