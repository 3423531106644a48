/* tc_rc.c — names of the result codes. */
#include "tc_rc.h"

const char *tc_rc_name(enum tc_rc rc)
{
	switch (rc) {
	case TC_OK: return "ok";
	case TC_ERR_INVALID: return "invalid";
	case TC_ERR_LIMIT: return "limit";
	case TC_ERR_IO: return "io";
	case TC_ERR_NOMEM: return "nomem";
	case TC_ERR_USAGE: return "usage";
	case TC_ERR_NOTFOUND: return "notfound";
	case TC_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}
