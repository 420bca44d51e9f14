#ifndef CNCURSESW_H
#define CNCURSESW_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/ncurses.h>
#include <wchar.h>

/* What Swift cannot call directly: function-like macros, attribute bits, locale set-up. */

/** setlocale(LC_ALL, "") then, if the result is not UTF-8, LC_CTYPE C.UTF-8. Returns 1 when UTF-8. */
int cn_setup_locale(void);
int cn_color_pair(int pair);
int cn_lines(void);
int cn_cols(void);
unsigned int cn_attr_bold(void);
unsigned int cn_attr_underline(void);
unsigned int cn_attr_reverse(void);
unsigned int cn_attr_dim(void);
unsigned int cn_attr_italic(void);
unsigned int cn_attr_normal(void);
/** Wheel up / wheel down masks of mouse events. */
unsigned long cn_button4(void);
unsigned long cn_button5(void);
unsigned long cn_all_mouse(void);
/** Reads one key: returns OK (ch = character), KEY_CODE_YES (ch = KEY_*), or ERR on timeout. */
int cn_get_wch(int *ch);
/** Reads the pending mouse event; returns its bstate or 0. */
unsigned long cn_mouse_state(int *y, int *x);
/** Draws `count` wide characters at y, x with the attribute and colour pair. */
int cn_put(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair);
int cn_key_resize(void);
/** stdscr and COLORS are mutable globals Swift 6 will not touch; these read them on the UI thread. */
int cn_keypad(int on);
int cn_clearok(void);
int cn_colors(void);
/** endwin() and a flush of stdio's stdout, where ncurses buffers its output. */
int cn_end(void);
int cn_key_mouse(void);

#endif
