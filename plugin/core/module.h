/*
 * module.h - module-wide state: the init reference count, the host's
 * logger, and the number of live instances.
 */
#ifndef LP_MODULE_H
#define LP_MODULE_H

#include "../../abi/model_provider.h"
#include "log.h"

int lp_module_init(const mp_host_v1 *host, mp_error *err);
int lp_module_deinit(void);
int lp_module_initialized(void);
/* The host's logger (NULL fn when none). */
const lp_logger *lp_module_logger(void);
void lp_module_instance_added(void);
void lp_module_instance_removed(void);

#endif
