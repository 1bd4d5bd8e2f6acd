/**
 * One real answer per resource, the example of its 200 in /openapi.json: what the reference engine
 * answered through the gateway (`npm run dev`, the demo workspace), request_id left out (the document
 * adds its example id). Each is its table entry's `example` (./table.ts);
 * test/worker/openapi.test.ts checks each against its answer schema, and the OpenAPI linter again.
 */

export const operateNodeAnswer = {
  "result": true,
  "code": 0,
  "message": "success",
  "data": "success",
  "trace_id": "97eb335984f54014b1c0f68a5f3b226e"
}

export const operateTaskAnswer = {
  "result": true,
  "code": 0,
  "message": "success",
  "data": "success",
  "trace_id": "bce4a8d14164468aa5dd75f28ad3b044"
}

export const nodeCallbackAnswer = {
  "result": true,
  "code": 0,
  "message": "success",
  "data": "success",
  "trace_id": "bce4a8d14164468aa5dd75f28ad3b044"
}

export const getTaskStatusAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "id": "p365f3f98440041b98427b2225001542f",
    "state": "RUNNING",
    "root_id:": "p365f3f98440041b98427b2225001542f",
    "parent_id": "p365f3f98440041b98427b2225001542f",
    "version": "v2c19b8e360054bd2b1a00d6e5a840f9f",
    "loop": 1,
    "retry": 0,
    "skip": false,
    "error_ignorable": false,
    "error_ignored": false,
    "children": {
      "start": {
        "id": "start",
        "state": "FINISHED",
        "root_id:": "p365f3f98440041b98427b2225001542f",
        "parent_id": "p365f3f98440041b98427b2225001542f",
        "version": "v1e4d8ee5c190447eb80f1908c8e319cb",
        "loop": 1,
        "retry": 0,
        "skip": false,
        "error_ignorable": false,
        "error_ignored": false,
        "children": {},
        "elapsed_time": 0,
        "start_time": "2026-12-06 16:58:54 +0800",
        "finish_time": "2026-12-06 16:58:54 +0800",
        "name": ""
      },
      "approve": {
        "id": "approve",
        "state": "RUNNING",
        "root_id:": "p365f3f98440041b98427b2225001542f",
        "parent_id": "p365f3f98440041b98427b2225001542f",
        "version": "va8ffc7f9fc2242c89b16323017f8c501",
        "loop": 1,
        "retry": 0,
        "skip": false,
        "error_ignorable": false,
        "error_ignored": false,
        "children": {},
        "elapsed_time": 13,
        "start_time": "2026-12-06 16:58:54 +0800",
        "finish_time": null,
        "name": "Approve release"
      }
    },
    "elapsed_time": 13,
    "start_time": "2026-12-06 16:58:54 +0800",
    "finish_time": null,
    "name": "Demo: node waiting for callback (callback, pause, resume)"
  },
  "trace_id": "adff163b17364669a9ac591b0feeddb3"
}

export const createTaskAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "task_id": 20,
    "task_url": "/taskflow/execute/1/?instance_id=20",
    "pipeline_tree": {
      "start_event": {
        "id": "start",
        "type": "EmptyStartEvent",
        "name": "Start",
        "incoming": "",
        "outgoing": "flow_1"
      },
      "end_event": {
        "id": "end",
        "type": "EmptyEndEvent",
        "name": "End",
        "incoming": [
          "flow_4"
        ],
        "outgoing": ""
      },
      "activities": {
        "prepare": {
          "id": "prepare",
          "type": "ServiceActivity",
          "name": "Prepare ${release}",
          "incoming": [
            "flow_1"
          ],
          "outgoing": "flow_2",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              },
              "notes": {
                "hook": true,
                "value": "${notes}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "wait": {
          "id": "wait",
          "type": "ServiceActivity",
          "name": "Wait",
          "incoming": [
            "flow_2"
          ],
          "outgoing": "flow_3",
          "component": {
            "code": "sleep_timer",
            "data": {
              "bk_timing": {
                "hook": true,
                "value": "${bk_timing}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "deploy": {
          "id": "deploy",
          "type": "ServiceActivity",
          "name": "Deploy",
          "incoming": [
            "flow_3"
          ],
          "outgoing": "flow_4",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        }
      },
      "gateways": {},
      "flows": {
        "flow_1": {
          "id": "flow_1",
          "source": "start",
          "target": "prepare",
          "is_default": false
        },
        "flow_2": {
          "id": "flow_2",
          "source": "prepare",
          "target": "wait",
          "is_default": false
        },
        "flow_3": {
          "id": "flow_3",
          "source": "wait",
          "target": "deploy",
          "is_default": false
        },
        "flow_4": {
          "id": "flow_4",
          "source": "deploy",
          "target": "end",
          "is_default": false
        }
      },
      "constants": {
        "${release}": {
          "key": "${release}",
          "name": "Release",
          "value": "1.0.0",
          "custom_type": "input",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${notes}": {
          "key": "${notes}",
          "name": "Release notes",
          "value": "first release",
          "custom_type": "textarea",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${bk_timing}": {
          "key": "${bk_timing}",
          "name": "Seconds to wait",
          "value": 0,
          "custom_type": "int",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        }
      },
      "outputs": [
        "${release}",
        "${notes}",
        "${bk_timing}"
      ]
    }
  },
  "trace_id": "5f8105bdbc374c36955437bbdd0fd7bd"
}

export const createAndStartTaskAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "task_id": 21,
    "task_url": "/taskflow/execute/1/?instance_id=21",
    "pipeline_tree": {
      "start_event": {
        "id": "start",
        "type": "EmptyStartEvent",
        "name": "Start",
        "incoming": "",
        "outgoing": "flow_1"
      },
      "end_event": {
        "id": "end",
        "type": "EmptyEndEvent",
        "name": "End",
        "incoming": [
          "flow_4"
        ],
        "outgoing": ""
      },
      "activities": {
        "prepare": {
          "id": "prepare",
          "type": "ServiceActivity",
          "name": "Prepare ${release}",
          "incoming": [
            "flow_1"
          ],
          "outgoing": "flow_2",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              },
              "notes": {
                "hook": true,
                "value": "${notes}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "wait": {
          "id": "wait",
          "type": "ServiceActivity",
          "name": "Wait",
          "incoming": [
            "flow_2"
          ],
          "outgoing": "flow_3",
          "component": {
            "code": "sleep_timer",
            "data": {
              "bk_timing": {
                "hook": true,
                "value": "${bk_timing}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "deploy": {
          "id": "deploy",
          "type": "ServiceActivity",
          "name": "Deploy",
          "incoming": [
            "flow_3"
          ],
          "outgoing": "flow_4",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        }
      },
      "gateways": {},
      "flows": {
        "flow_1": {
          "id": "flow_1",
          "source": "start",
          "target": "prepare",
          "is_default": false
        },
        "flow_2": {
          "id": "flow_2",
          "source": "prepare",
          "target": "wait",
          "is_default": false
        },
        "flow_3": {
          "id": "flow_3",
          "source": "wait",
          "target": "deploy",
          "is_default": false
        },
        "flow_4": {
          "id": "flow_4",
          "source": "deploy",
          "target": "end",
          "is_default": false
        }
      },
      "constants": {
        "${release}": {
          "key": "${release}",
          "name": "Release",
          "value": "1.0.0",
          "custom_type": "input",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${notes}": {
          "key": "${notes}",
          "name": "Release notes",
          "value": "first release",
          "custom_type": "textarea",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${bk_timing}": {
          "key": "${bk_timing}",
          "name": "Seconds to wait",
          "value": 0,
          "custom_type": "int",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        }
      },
      "outputs": [
        "${release}",
        "${notes}",
        "${bk_timing}"
      ]
    }
  },
  "trace_id": "2aa279d033504f22b53d0d5b44c6b6af"
}

export const fastCreateTaskAnswer = {
  "result": true,
  "code": 0,
  "message": "success",
  "data": {
    "task_id": 22,
    "task_url": "",
    "pipeline_tree": {
      "start_event": {
        "id": "start",
        "type": "EmptyStartEvent",
        "name": "Start",
        "incoming": "",
        "outgoing": "flow_1"
      },
      "end_event": {
        "id": "end",
        "type": "EmptyEndEvent",
        "name": "End",
        "incoming": [
          "flow_4"
        ],
        "outgoing": ""
      },
      "activities": {
        "prepare": {
          "id": "prepare",
          "type": "ServiceActivity",
          "name": "Prepare ${release}",
          "incoming": [
            "flow_1"
          ],
          "outgoing": "flow_2",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              },
              "notes": {
                "hook": true,
                "value": "${notes}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "wait": {
          "id": "wait",
          "type": "ServiceActivity",
          "name": "Wait",
          "incoming": [
            "flow_2"
          ],
          "outgoing": "flow_3",
          "component": {
            "code": "sleep_timer",
            "data": {
              "bk_timing": {
                "hook": true,
                "value": "${bk_timing}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "deploy": {
          "id": "deploy",
          "type": "ServiceActivity",
          "name": "Deploy",
          "incoming": [
            "flow_3"
          ],
          "outgoing": "flow_4",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        }
      },
      "gateways": {},
      "flows": {
        "flow_1": {
          "id": "flow_1",
          "source": "start",
          "target": "prepare",
          "is_default": false
        },
        "flow_2": {
          "id": "flow_2",
          "source": "prepare",
          "target": "wait",
          "is_default": false
        },
        "flow_3": {
          "id": "flow_3",
          "source": "wait",
          "target": "deploy",
          "is_default": false
        },
        "flow_4": {
          "id": "flow_4",
          "source": "deploy",
          "target": "end",
          "is_default": false
        }
      },
      "constants": {
        "${release}": {
          "key": "${release}",
          "name": "Release",
          "value": "1.0.0",
          "custom_type": "input",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${notes}": {
          "key": "${notes}",
          "name": "Release notes",
          "value": "first release",
          "custom_type": "textarea",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${bk_timing}": {
          "key": "${bk_timing}",
          "name": "Seconds to wait",
          "value": 0,
          "custom_type": "int",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        }
      },
      "outputs": [
        "${release}",
        "${notes}",
        "${bk_timing}"
      ]
    }
  },
  "trace_id": "05bba0e710fe4c32a7c66b88c475e9ec"
}

export const startTaskAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "task_url": "/taskflow/execute/1/?instance_id=20"
  },
  "trace_id": "45d518be51104b618dca6e3eac06d0a8",
  "task_url": "/taskflow/execute/1/?instance_id=20"
}

export const getTaskDetailAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "id": 14,
    "name": "Demo: node waiting for callback (callback, pause, resume)",
    "creator": "admin",
    "executor": "admin",
    "project_id": 1,
    "template_id": "",
    "create_method": "api",
    "create_time": "2026-12-06 16:58:54 +0800",
    "start_time": "2026-12-06 16:58:54 +0800",
    "finish_time": null,
    "elapsed_time": 14,
    "constants": {},
    "outputs": [],
    "pipeline_tree": {
      "start_event": {
        "id": "start",
        "type": "EmptyStartEvent",
        "name": "Start",
        "incoming": "",
        "outgoing": "flow_1"
      },
      "end_event": {
        "id": "end",
        "type": "EmptyEndEvent",
        "name": "End",
        "incoming": [
          "flow_3"
        ],
        "outgoing": ""
      },
      "activities": {
        "approve": {
          "id": "approve",
          "type": "ServiceActivity",
          "name": "Approve release",
          "incoming": [
            "flow_1"
          ],
          "outgoing": "flow_2",
          "component": {
            "code": "pause_node",
            "data": {}
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true
        },
        "release": {
          "id": "release",
          "type": "ServiceActivity",
          "name": "Release",
          "incoming": [
            "flow_2"
          ],
          "outgoing": "flow_3",
          "component": {
            "code": "noop",
            "data": {}
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true
        }
      },
      "gateways": {},
      "flows": {
        "flow_1": {
          "id": "flow_1",
          "source": "start",
          "target": "approve",
          "is_default": false
        },
        "flow_2": {
          "id": "flow_2",
          "source": "approve",
          "target": "release",
          "is_default": false
        },
        "flow_3": {
          "id": "flow_3",
          "source": "release",
          "target": "end",
          "is_default": false
        }
      },
      "constants": {},
      "outputs": []
    },
    "project_name": "business 2",
    "task_url": "/taskflow/execute/1/?instance_id=14"
  },
  "trace_id": "d65869ea6ca84f56bfc233cc7aa2eb4c"
}

export const getTaskNodeDetailAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "id": "approve",
    "state": "RUNNING",
    "version": "va8ffc7f9fc2242c89b16323017f8c501",
    "loop": 1,
    "retry": 0,
    "skip": false,
    "error_ignored": false,
    "start_time": "2026-12-06 16:58:54 +0800",
    "finish_time": null,
    "elapsed_time": 15,
    "inputs": {},
    "outputs": [],
    "ex_data": "",
    "histories": []
  },
  "trace_id": "43d8597ea4694353b5990408ac263b30"
}

export const getTaskNodeLogAnswer = {
  "result": true,
  "code": 0,
  "message": "success",
  "data": "[2026-12-06 16:58:54 +0800]INFO-execute: node approve started (version va8ffc7f9fc2242c89b16323017f8c501)\n[2026-12-06 16:58:54 +0800]INFO-schedule: node approve is RUNNING",
  "page": {
    "page": 1,
    "page_size": 30,
    "total": 2
  }
}

export const getTasksStatusAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": [
    {
      "id": 12,
      "name": "Demo: failed activity (skip)",
      "status": {
        "id": "p9d997b1c0cff407b95354c131935ad4e",
        "state": "FINISHED",
        "root_id:": "p9d997b1c0cff407b95354c131935ad4e",
        "parent_id": "p9d997b1c0cff407b95354c131935ad4e",
        "version": "vaa515b4569f8454d936494f6d1cda62a",
        "loop": 1,
        "retry": 0,
        "skip": false,
        "error_ignorable": false,
        "error_ignored": false,
        "elapsed_time": 13,
        "start_time": "2026-12-06 16:58:54 +0800",
        "finish_time": "2026-12-06 16:59:06 +0800",
        "name": "Demo: failed activity (skip)"
      },
      "flow_type": "common",
      "current_flow": "finished",
      "is_deleted": false,
      "create_time": "2026-12-06 16:58:53 +0800",
      "start_time": "2026-12-06 16:58:53 +0800",
      "finish_time": "2026-12-06 16:59:06 +0800",
      "url": "/taskflow/execute/1/?instance_id=12"
    },
    {
      "id": 14,
      "name": "Demo: node waiting for callback (callback, pause, resume)",
      "status": {
        "id": "p365f3f98440041b98427b2225001542f",
        "state": "RUNNING",
        "root_id:": "p365f3f98440041b98427b2225001542f",
        "parent_id": "p365f3f98440041b98427b2225001542f",
        "version": "v2c19b8e360054bd2b1a00d6e5a840f9f",
        "loop": 1,
        "retry": 0,
        "skip": false,
        "error_ignorable": false,
        "error_ignored": false,
        "elapsed_time": 15,
        "start_time": "2026-12-06 16:58:54 +0800",
        "finish_time": null,
        "name": "Demo: node waiting for callback (callback, pause, resume)"
      },
      "flow_type": "common",
      "current_flow": "execute_task",
      "is_deleted": false,
      "create_time": "2026-12-06 16:58:54 +0800",
      "start_time": "2026-12-06 16:58:54 +0800",
      "finish_time": null,
      "url": "/taskflow/execute/1/?instance_id=14"
    }
  ],
  "trace_id": "39c0b11dbb5d4ca19433043f10a378b7"
}

export const getTasksManualInterventionStateAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": [
    {
      "id": 12,
      "manual_intervention_required": false
    },
    {
      "id": 14,
      "manual_intervention_required": true
    }
  ],
  "trace_id": "7fb37e0ca12c4118a51b8e63434c731e"
}

export const getTaskListAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": [
    {
      "id": 21,
      "name": "release 43",
      "creator": "admin",
      "executor": "admin",
      "template_id": "1",
      "create_method": "api",
      "is_started": true,
      "is_finished": true,
      "create_time": "2026-12-06 16:59:07 +0800",
      "start_time": "2026-12-06 16:59:07 +0800",
      "finish_time": "2026-12-06 16:59:07 +0800",
      "category": "Default",
      "bk_biz_id": 2,
      "bk_biz_name": "business 2",
      "project_id": 1,
      "project_name": "business 2",
      "template_source": "project",
      "auth_actions": []
    },
    {
      "id": 20,
      "name": "release 42",
      "creator": "admin",
      "executor": "admin",
      "template_id": "1",
      "create_method": "api",
      "is_started": true,
      "is_finished": true,
      "create_time": "2026-12-06 16:59:07 +0800",
      "start_time": "2026-12-06 16:59:08 +0800",
      "finish_time": "2026-12-06 16:59:08 +0800",
      "category": "Default",
      "bk_biz_id": 2,
      "bk_biz_name": "business 2",
      "project_id": 1,
      "project_name": "business 2",
      "template_source": "project",
      "auth_actions": []
    }
  ],
  "trace_id": "3601b6e9ecbe47aaad61159233b0fd60",
  "count": 10
}

export const getTemplateListAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": [
    {
      "id": 1,
      "name": "Demo template: release with a wait",
      "creator": "admin",
      "create_time": "2024-01-01 00:00:00 +0800",
      "editor": null,
      "edit_time": "2024-01-01 00:00:00 +0800",
      "category": "OpsTools",
      "bk_biz_id": 2,
      "bk_biz_name": "business 2",
      "project_id": 1,
      "project_name": "business 2"
    },
    {
      "id": 2,
      "name": "Demo template: approval, then rollout",
      "creator": "admin",
      "create_time": "2024-01-01 00:00:00 +0800",
      "editor": null,
      "edit_time": "2024-01-01 00:00:00 +0800",
      "category": "ConfManage",
      "bk_biz_id": 2,
      "bk_biz_name": "business 2",
      "project_id": 1,
      "project_name": "business 2"
    },
    {
      "id": 3,
      "name": "Demo template: a check that fails once",
      "creator": "admin",
      "create_time": "2024-01-01 00:00:00 +0800",
      "editor": null,
      "edit_time": "2024-01-01 00:00:00 +0800",
      "category": "MonitorAlarm",
      "bk_biz_id": 2,
      "bk_biz_name": "business 2",
      "project_id": 1,
      "project_name": "business 2"
    }
  ],
  "trace_id": "fb3dbc56d8a741da8036f94c1510f458"
}

export const getTemplateInfoAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": {
    "id": 1,
    "name": "Demo template: release with a wait",
    "creator": "admin",
    "create_time": "2024-01-01 00:00:00 +0800",
    "editor": null,
    "edit_time": "2024-01-01 00:00:00 +0800",
    "category": "OpsTools",
    "bk_biz_id": 2,
    "bk_biz_name": "business 2",
    "project_id": 1,
    "project_name": "business 2",
    "pipeline_tree": {
      "start_event": {
        "id": "start",
        "type": "EmptyStartEvent",
        "name": "Start",
        "incoming": "",
        "outgoing": "flow_1"
      },
      "end_event": {
        "id": "end",
        "type": "EmptyEndEvent",
        "name": "End",
        "incoming": [
          "flow_4"
        ],
        "outgoing": ""
      },
      "activities": {
        "prepare": {
          "id": "prepare",
          "type": "ServiceActivity",
          "name": "Prepare ${release}",
          "incoming": [
            "flow_1"
          ],
          "outgoing": "flow_2",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              },
              "notes": {
                "hook": true,
                "value": "${notes}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "wait": {
          "id": "wait",
          "type": "ServiceActivity",
          "name": "Wait",
          "incoming": [
            "flow_2"
          ],
          "outgoing": "flow_3",
          "component": {
            "code": "sleep_timer",
            "data": {
              "bk_timing": {
                "hook": true,
                "value": "${bk_timing}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        },
        "deploy": {
          "id": "deploy",
          "type": "ServiceActivity",
          "name": "Deploy",
          "incoming": [
            "flow_3"
          ],
          "outgoing": "flow_4",
          "component": {
            "code": "noop",
            "data": {
              "release": {
                "hook": true,
                "value": "${release}"
              }
            }
          },
          "error_ignorable": false,
          "retryable": true,
          "skippable": true,
          "optional": true
        }
      },
      "gateways": {},
      "flows": {
        "flow_1": {
          "id": "flow_1",
          "source": "start",
          "target": "prepare",
          "is_default": false
        },
        "flow_2": {
          "id": "flow_2",
          "source": "prepare",
          "target": "wait",
          "is_default": false
        },
        "flow_3": {
          "id": "flow_3",
          "source": "wait",
          "target": "deploy",
          "is_default": false
        },
        "flow_4": {
          "id": "flow_4",
          "source": "deploy",
          "target": "end",
          "is_default": false
        }
      },
      "constants": {
        "${release}": {
          "key": "${release}",
          "name": "Release",
          "value": "1.0.0",
          "custom_type": "input",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${notes}": {
          "key": "${notes}",
          "name": "Release notes",
          "value": "first release",
          "custom_type": "textarea",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        },
        "${bk_timing}": {
          "key": "${bk_timing}",
          "name": "Seconds to wait",
          "value": 0,
          "custom_type": "int",
          "show_type": "show",
          "source_type": "custom",
          "source_info": {}
        }
      },
      "outputs": [
        "${release}",
        "${notes}",
        "${bk_timing}"
      ]
    }
  },
  "trace_id": "139f55456fa4431c921287a4e82b176a"
}

export const getUserProjectListAnswer = {
  "result": true,
  "code": 0,
  "message": "",
  "data": [
    {
      "project_id": 1,
      "bk_biz_id": 2,
      "name": "business 2"
    }
  ],
  "trace_id": "d32de811d0664d77b8611c0282b721d6"
}
