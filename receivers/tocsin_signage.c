/*
 * tocsin_signage.c — the shelter display: a full-screen terminal (ncurses,
 * for a kiosk TTY) showing the alerts in force by priority with their
 * colour level, the shelter's name and capacity and a clock; or, with
 * --once, the current screen printed to stdout for scripts.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ncursesw/curses.h>

#include "rx_cli.h"
#include "rx_core.h"
#include "rx_signage.h"
#include "tc_log.h"

static const char usage[] =
	"usage: tocsin-signage --id ID --region CODE[,CODE] --broker HOST:PORT --pubkey FILE --state-dir DIR\n"
	"                      [--config FILE] [--shelter-name NAME] [--shelter-capacity N] [--no-accept-drills]\n"
	"                      [--SETTING VALUE ...]\n"
	"       tocsin-signage ... --once [--once-wait S] [--offline] [--width W] [--height H]\n"
	"                      (print the current screen to stdout and exit; --offline: from the state folder only)\n"
	"       tocsin-signage --print-config\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_diags(struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		fprintf(stderr, "tocsin-signage: %s\n", tc_diags_get(d, i)->message);
}

/* --- the ncurses screen ------------------------------------------------------------ */

static short pair_of(enum rx_view_style st)
{
	return (short)(st + 1);
}

static void colours(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	short orange = COLORS >= 256 ? 208 : COLOR_YELLOW;
	struct { enum rx_view_style st; short fg, bg; } p[] = {
		{ RX_STYLE_PLAIN, -1, -1 },          { RX_STYLE_TITLE, COLOR_WHITE, COLOR_BLUE },
		{ RX_STYLE_RULE, COLOR_CYAN, -1 },   { RX_STYLE_BLUE, COLOR_WHITE, COLOR_BLUE },
		{ RX_STYLE_YELLOW, COLOR_BLACK, COLOR_YELLOW }, { RX_STYLE_ORANGE, COLOR_BLACK, orange },
		{ RX_STYLE_RED, COLOR_WHITE, COLOR_RED },        { RX_STYLE_NONE_LEVEL, COLOR_BLACK, COLOR_WHITE },
		{ RX_STYLE_LIFTED, COLOR_BLACK, COLOR_GREEN },   { RX_STYLE_DETAIL, COLOR_CYAN, -1 },
		{ RX_STYLE_IDLE, COLOR_GREEN, -1 },
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		init_pair(pair_of(p[i].st), p[i].fg, p[i].bg);
}

static void draw(void *ctx, const struct rx_signage *s)
{
	static struct rx_view_line lines[200];
	int h, w;
	(void)ctx;
	while (getch() != ERR) /* KEY_RESIZE and keys: the kiosk has no controls */
		;
	getmaxyx(stdscr, h, w);
	if (h > 200)
		h = 200;
	if (w > RX_VIEW_MAX_WIDTH)
		w = RX_VIEW_MAX_WIDTH;
	size_t n = w >= 20 && h >= 2 ? rx_signage_layout(s, w, h, lines) : 0;
	erase();
	for (size_t i = 0; i < n; i++) {
		attr_t a = COLOR_PAIR(pair_of(lines[i].style));
		if (lines[i].style == RX_STYLE_TITLE || (lines[i].style >= RX_STYLE_BLUE && lines[i].style <= RX_STYLE_LIFTED))
			a |= A_BOLD;
		attrset(a);
		mvaddstr((int)i, 0, lines[i].text);
		if (a & A_COLOR && lines[i].style != RX_STYLE_PLAIN && lines[i].style != RX_STYLE_DETAIL &&
		    lines[i].style != RX_STYLE_RULE && lines[i].style != RX_STYLE_IDLE)
			clrtoeol(); /* the level's colour across the whole line */
	}
	attrset(A_NORMAL);
	refresh();
}

static void screen_start(void)
{
	initscr();
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	colours();
}

/* --- --once ------------------------------------------------------------------------ */

static void print_screen(const struct rx_signage *s, int width, int height)
{
	struct rx_view_line *lines = calloc((size_t)height, sizeof(*lines));
	size_t n = lines ? rx_signage_layout(s, width, height, lines) : 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i].text);
		while (len && lines[i].text[len - 1] == ' ')
			lines[i].text[--len] = '\0';
		printf("%s\n", lines[i].text);
	}
	free(lines);
}

static int bounded(const char *v, int def, int lo, int hi)
{
	int x = v && *v ? atoi(v) : def;
	return x < lo ? lo : x > hi ? hi : x;
}

int main(int argc, char **argv)
{
	struct rx_config c;
	const char *once = NULL, *wait_s = NULL, *offline = NULL, *width = NULL, *height = NULL;
	const struct rx_cli_switch sw[] = { { "--once", false, &once }, { "--once-wait", true, &wait_s },
					    { "--offline", false, &offline }, { "--width", true, &width },
					    { "--height", true, &height } };
	setlocale(LC_ALL, "");
	int r = rx_cli_parse(argc, argv, usage, sw, sizeof(sw) / sizeof(sw[0]), &c);
	if (r)
		return r == 1 ? 0 : 2;
	int lvl = tc_log_level_parse(c.log_level);
	tc_log_setup("tocsin-signage", lvl < 0 ? TC_LOG_INFO : (enum tc_log_level)lvl);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct tc_diags *d = tc_diags_new();
	struct rx_core *core = NULL;
	struct rx_signage *sg = NULL;
	int rc = 1;
	bool screen = !once;
	if (rx_config_check(&c, d) || rx_core_new(&c, "signage", true, &core, d))
		goto out;
	if (rx_signage_new(core, screen ? draw : NULL, NULL, &sg))
		goto out;
	struct rx_output o = rx_signage_output(sg);
	rx_core_set_output(core, &o);
	if (screen && isatty(STDERR_FILENO)) { /* log lines must not scribble over the screen */
		char log[1100];
		snprintf(log, sizeof(log), "%s/signage.log", c.state_dir);
		if (!freopen(log, "a", stderr))
			goto out;
	}
	if (screen)
		screen_start();
	rx_core_restore(core);
	if (once) {
		if (!offline)
			rx_core_run(core, &stop, rx_now_ms() + 1000L * bounded(wait_s, 3, 0, 60));
		const char *cols = getenv("COLUMNS");
		print_screen(sg, bounded(width ? width : cols, RX_VIEW_WIDTH, 20, RX_VIEW_MAX_WIDTH),
			     bounded(height, RX_VIEW_HEIGHT, 2, 200));
	} else {
		rx_core_run(core, &stop, 0);
		endwin();
	}
	rc = 0;
out:
	print_diags(d);
	rx_signage_free(sg);
	rx_core_free(core);
	tc_diags_free(d);
	return rc;
}
