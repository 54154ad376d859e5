#include "cmd.h"
int cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return CMD_ERROR;
}
